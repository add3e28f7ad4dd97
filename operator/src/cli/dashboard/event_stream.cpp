#include "cli/dashboard/event_stream.h"

#include <httplib.h>

#include <memory>

#include "cli/dashboard/migration_board.h"

namespace schemashift::cli::dashboard {

std::string board_event(const std::string& json_line, std::uint64_t version) {
  return "id: " + std::to_string(version) + "\nevent: board\ndata: " + json_line + "\n\n";
}

void serve_board_stream(const MigrationBoard& board, httplib::Response& res,
                        std::chrono::milliseconds keepalive) {
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  auto sent = std::make_shared<std::uint64_t>(0);
  auto first = std::make_shared<bool>(true);
  res.set_chunked_content_provider(
      "text/event-stream", [&board, sent, first, keepalive](size_t, httplib::DataSink& sink) {
        if (board.stopped()) {
          sink.done();
          return true;
        }
        std::string chunk;
        if (*first) {
          chunk = "retry: 2000\n\n";
          *first = false;
        }
        const auto now = board.wait_past(*sent, keepalive);
        if (board.stopped()) {
          sink.done();
          return true;
        }
        if (now > *sent || chunk.size()) {
          auto snap = board.snapshot();
          *sent = snap["version"].get<std::uint64_t>();
          chunk += board_event(snap.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                               *sent);
        } else {
          chunk = ": keepalive\n\n";
        }
        return sink.write(chunk.data(), chunk.size());
      });
}

}  // namespace schemashift::cli::dashboard
