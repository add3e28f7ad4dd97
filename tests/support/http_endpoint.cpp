#include "support/http_endpoint.h"

namespace schemashift::testing {

HttpEndpoint::HttpEndpoint(const std::string& path, Handler handler) {
  server_.Get(path, std::move(handler));
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
}

HttpEndpoint::~HttpEndpoint() { stop(); }

void HttpEndpoint::stop() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string HttpEndpoint::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

}  // namespace schemashift::testing
