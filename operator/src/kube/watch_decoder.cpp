#include "kube/watch_decoder.h"

namespace schemashift::kube {

namespace {
std::string excerpt(std::string_view s) {
  constexpr std::size_t kMax = 120;
  return std::string(s.substr(0, kMax)) + (s.size() > kMax ? "..." : "");
}
}  // namespace

bool WatchDecoder::decode_line(std::string_view line, const Handler& on_event) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line.empty()) return true;
  auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    error_ = ApiError::transport("DecodeError", "watch event " + std::to_string(events_ + 1) +
                                                    " is not valid JSON: " + excerpt(line));
    failed_ = true;
    return false;
  }
  auto type = j.find("type");
  auto object = j.find("object");
  if (!j.is_object() || type == j.end() || !type->is_string() || object == j.end() ||
      !object->is_object()) {
    error_ = ApiError::transport(
        "DecodeError", "watch event " + std::to_string(events_ + 1) +
                           " lacks a string \"type\" and an object \"object\": " + excerpt(line));
    failed_ = true;
    return false;
  }
  ++events_;
  WatchEvent ev{type->get<std::string>(), std::move(*object)};
  if (!on_event(std::move(ev))) {
    stopped_ = true;
    return false;
  }
  return true;
}

bool WatchDecoder::feed(std::string_view chunk, const Handler& on_event) {
  if (failed_ || stopped_) return false;
  // Decode complete lines straight from the chunk where possible; keep only the tail.
  std::size_t start = 0;
  while (true) {
    auto nl = chunk.find('\n', start);
    if (nl == std::string_view::npos) break;
    std::string_view piece = chunk.substr(start, nl - start);
    bool ok;
    if (pending_.empty()) {
      ok = decode_line(piece, on_event);
    } else {
      pending_.append(piece);
      std::string line = std::move(pending_);
      pending_.clear();
      ok = decode_line(line, on_event);
    }
    if (!ok) return false;
    start = nl + 1;
  }
  pending_.append(chunk.substr(start));
  if (pending_.size() > max_line_) {
    error_ = ApiError::transport("DecodeError", "watch event " + std::to_string(events_ + 1) +
                                                    " exceeds " + std::to_string(max_line_) +
                                                    " bytes without a line end");
    failed_ = true;
    pending_.clear();
    return false;
  }
  return true;
}

bool WatchDecoder::finish() {
  if (failed_) return false;
  std::string_view rest = pending_;
  while (!rest.empty() && (rest.back() == '\r' || rest.back() == ' ')) rest.remove_suffix(1);
  if (!rest.empty()) {
    error_ =
        ApiError::transport("DecodeError", "watch stream ended in the middle of event " +
                                               std::to_string(events_ + 1) + ": " + excerpt(rest));
    failed_ = true;
    return false;
  }
  return true;
}

}  // namespace schemashift::kube
