// The page's live feed: server-sent events (text/event-stream). Each change of the board goes
// out as one `board` event holding the whole board as JSON; a comment line every few seconds
// keeps proxies and the browser from closing an idle stream. The stream ends when the
// browser goes away or the board stops.
#pragma once

#include <chrono>
#include <string>

namespace httplib {
struct Response;
}

namespace schemashift::cli::dashboard {

class MigrationBoard;

// "event: board\ndata: {...}\n\n": the JSON is dumped on one line, so one data field holds it.
std::string board_event(const std::string& json_line, std::uint64_t version);

// Makes `res` the stream of `board` (it must outlive the response).
void serve_board_stream(const MigrationBoard& board, httplib::Response& res,
                        std::chrono::milliseconds keepalive = std::chrono::seconds(10));

}  // namespace schemashift::cli::dashboard
