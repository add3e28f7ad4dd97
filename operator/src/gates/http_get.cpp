#include "gates/http_get.h"

#include <httplib.h>

namespace schemashift::gates {

Result<std::string, std::string> http_get(const std::string& url, const std::string& default_path) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return fail("url \"" + url + "\" has no scheme");
  const auto path_start = url.find('/', scheme_end + 3);
  httplib::Client client(url.substr(0, path_start));
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(2));
  auto r = client.Get(path_start == std::string::npos ? default_path : url.substr(path_start));
  if (!r) return fail(url + ": " + httplib::to_string(r.error()));
  if (r->status < 200 || r->status >= 300)
    return fail(url + " answered " + std::to_string(r->status) +
                (r->body.empty() ? "" : ": " + r->body.substr(0, 300)));
  return std::move(r->body);
}

}  // namespace schemashift::gates
