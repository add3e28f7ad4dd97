// WatchDecoder: turns the body of a watch response (one JSON event per line, arriving in
// arbitrary pieces) into WatchEvents as each line completes. Malformed input is an error
// with context, never a crash: invalid JSON, an event without type/object, a line past the
// size limit, or a stream that ends in the middle of an event.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kube/api_error.h"

namespace schemashift::kube {

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  nlohmann::json object;
};

class WatchDecoder {
 public:
  static constexpr std::size_t kDefaultMaxLine = 16u << 20;  // 16 MiB, above etcd's object limit
  using Handler = std::function<bool(WatchEvent&&)>;         // false: stop decoding

  explicit WatchDecoder(std::size_t max_line = kDefaultMaxLine) : max_line_(max_line) {}

  // Feeds a piece of the stream. Calls `on_event` per complete event. Returns false with
  // error() set on malformed input, or false with stopped() when the handler asked to stop.
  bool feed(std::string_view chunk, const Handler& on_event);
  // The stream has ended: fails if a partial event is left over.
  bool finish();

  const ApiError& error() const { return error_; }
  bool stopped() const { return stopped_; }
  std::size_t events() const { return events_; }

 private:
  bool decode_line(std::string_view line, const Handler& on_event);

  std::size_t max_line_;
  std::string pending_;
  ApiError error_;
  bool failed_ = false;
  bool stopped_ = false;
  std::size_t events_ = 0;
};

}  // namespace schemashift::kube
