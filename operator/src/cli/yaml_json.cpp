#include "cli/yaml_json.h"

#include <fstream>
#include <istream>
#include <iterator>
#include <regex>

#include <yaml-cpp/yaml.h>

namespace schemashift::cli {

namespace {

using nlohmann::json;

json scalar(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return s;  // quoted: always a string
  static const std::regex kInt(R"([-+]?[0-9]+)"),
      kFloat(R"([-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?)");
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (std::regex_match(s, kInt)) {
    try {
      return std::stoll(s);
    } catch (const std::out_of_range&) {
      return s;
    }
  }
  if (std::regex_match(s, kFloat)) return std::stod(s);
  return s;
}

json to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return scalar(n);
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& item : n) a.push_back(to_json(item));
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = to_json(kv.second);
      return o;
    }
  }
  return nullptr;
}

}  // namespace

Result<std::vector<json>, std::string> yaml_documents(const std::string& yaml_text) {
  std::vector<json> out;
  try {
    for (const auto& doc : YAML::LoadAll(yaml_text)) {
      if (doc.IsNull() || !doc.IsDefined()) continue;
      out.push_back(to_json(doc));
    }
  } catch (const YAML::Exception& e) {
    return fail(std::string(e.what()));
  }
  return out;
}

Result<std::string, std::string> read_manifest_text(const std::string& path, std::istream& in) {
  if (path == "-")
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::ifstream f(path);
  if (!f) return fail("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

}  // namespace schemashift::cli
