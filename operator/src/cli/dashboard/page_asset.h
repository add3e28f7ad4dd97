// The dashboard's one page: HTML, CSS and JavaScript built into the binary, nothing fetched
// from elsewhere. It reads the board from /events (server-sent events), keeps each gate's
// values over time and the backfill rate as they arrive, and draws them.
#pragma once

#include <string_view>

namespace schemashift::cli::dashboard {

std::string_view page_html();

}  // namespace schemashift::cli::dashboard
