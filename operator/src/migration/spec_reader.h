// Reader: reads fields of a manifest's JSON, collecting every problem by field path
// ("spec.targets[1].roles[0]: must be one of writer, reader, producer, consumer").
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "migration/spec.h"

namespace schemashift::migration {

using nlohmann::json;

class Reader {
 public:
  explicit Reader(std::vector<FieldError>& errors) : errors_(errors) {}
  void error(std::string field, std::string message) {
    errors_.push_back({std::move(field), std::move(message)});
  }

  std::string str(const json& parent, const char* key, const std::string& path, bool required,
                  const std::string& fallback = {}) {
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) {
      if (required) error(path, "is required");
      return fallback;
    }
    if (!it->is_string()) {
      error(path, "must be a string");
      return fallback;
    }
    return it->get<std::string>();
  }
  bool boolean(const json& parent, const char* key, const std::string& path) {
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return false;
    if (!it->is_boolean()) {
      error(path, "must be true or false");
      return false;
    }
    return it->get<bool>();
  }
  int integer(const json& parent, const char* key, const std::string& path, int fallback, int min,
              int max) {
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return fallback;
    if (!it->is_number_integer()) {
      error(path, "must be a whole number");
      return fallback;
    }
    auto v = it->get<long long>();
    if (v < min || v > max) {
      error(path, "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return fallback;
    }
    return static_cast<int>(v);
  }
  std::vector<std::string> sql_list(const json& parent, const char* key, const std::string& path) {
    std::vector<std::string> out;
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return out;
    if (!it->is_array()) {
      error(path, "must be a list of SQL statements");
      return out;
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      const auto& s = (*it)[i];
      const std::string p = path + "[" + std::to_string(i) + "]";
      if (!s.is_string() ||
          s.get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos) {
        error(p, "must be a non-empty SQL statement");
        continue;
      }
      out.push_back(s.get<std::string>());
    }
    return out;
  }
  std::chrono::milliseconds duration(const json& parent, const char* key, const std::string& path,
                                     std::chrono::milliseconds fallback) {
    std::string s = str(parent, key, path, false);
    if (s.empty()) return fallback;
    auto d = parse_duration(s);
    if (!d) {
      error(path, "must be a duration such as 100ms, 2s or 1m, not \"" + s + "\"");
      return fallback;
    }
    return *d;
  }

 private:
  std::vector<FieldError>& errors_;
};

}  // namespace schemashift::migration
