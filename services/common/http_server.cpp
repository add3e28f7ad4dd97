#include "http_server.h"

#include <deque>
#include <random>

#include "http_errors.h"
#include "log.h"

namespace schemashift::svc {

namespace {
using Clock = std::chrono::steady_clock;

// What the server knows about the request the current thread is serving (httplib serves a
// request from its start to its log line on one thread).
struct RequestContext {
  bool active = false;
  Clock::time_point start{};
  std::string request_id, client_id, route, api_version;
};
thread_local RequestContext t_request;
// Set on the thread that answers connections beyond the queue limit.
thread_local bool t_overload_thread = false;

// Workers for `threads` connections at a time and `limit` waiting; beyond that a connection
// goes to a single thread that answers 503 at once, so an overload never grows a queue of
// requests that would time out anyway.
class BoundedQueue : public httplib::TaskQueue {
 public:
  BoundedQueue(std::size_t threads, std::size_t limit) : limit_(limit) {
    for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(jobs_, false); });
    workers_.emplace_back([this] { work(rejects_, true); });
  }
  ~BoundedQueue() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard lock(mu_);
      if (jobs_.size() < limit_) {
        jobs_.push_back(std::move(fn));
      } else {
        rejects_.push_back(std::move(fn));
      }
    }
    cv_.notify_all();
  }

  void shutdown() override {
    {
      std::lock_guard lock(mu_);
      if (shutdown_) return;
      shutdown_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_)
      if (t.joinable()) t.join();
  }

 private:
  void work(std::deque<std::function<void()>>& queue, bool overload) {
    t_overload_thread = overload;
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return !queue.empty() || shutdown_; });
        if (queue.empty()) return;  // shut down, and every queued connection served
        fn = std::move(queue.front());
        queue.pop_front();
      }
      fn();
    }
  }

  std::size_t limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_, rejects_;
  bool shutdown_ = false;
  std::vector<std::thread> workers_;
};

std::string new_request_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* kHex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 2; ++i) {
    auto v = rng();
    for (int j = 0; j < 16; ++j, v >>= 4) id.push_back(kHex[v & 0xf]);
  }
  return id;
}

// A caller's request id is kept when it is short and printable.
bool sane_request_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

void write_response(const Response& out, httplib::Response& res) {
  res.status = out.status;
  for (const auto& [k, v] : out.headers) res.set_header(k, v);
  if (!out.body.is_null())
    res.set_content(out.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    "application/json");
}

std::string regex_escape(const std::string& s) {
  static const std::string kSpecial = R"(\^$.|?*+()[]{})";
  std::string out;
  for (char c : s) {
    if (kSpecial.find(c) != std::string::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}
}  // namespace

std::string Request::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

std::optional<std::string> Request::query(const std::string& name) const {
  if (!raw.has_param(name.c_str())) return std::nullopt;
  return raw.get_param_value(name.c_str());
}

std::string api_version_of(const std::string& route) {
  static const std::regex kVersion(R"(^/(v[0-9]+)(/|$).*)");
  std::smatch m;
  if (std::regex_match(route, m, kVersion)) return m[1];
  return "none";
}

std::string route_regex_text(const std::string& route, std::vector<std::string>& names) {
  std::string re;
  std::size_t i = 0;
  while (i < route.size()) {
    if (route[i] == ':' && (i == 0 || route[i - 1] == '/')) {
      auto end = route.find('/', i);
      if (end == std::string::npos) end = route.size();
      names.push_back(route.substr(i + 1, end - i - 1));
      re += "([^/]+)";
      i = end;
    } else {
      auto end = route.find(':', i);
      if (end == std::string::npos) end = route.size();
      re += regex_escape(route.substr(i, end - i));
      i = end;
    }
  }
  return re;
}

std::regex route_regex(const std::string& route, std::vector<std::string>& names) {
  return std::regex(route_regex_text(route, names));
}

HttpServer::HttpServer(const ServiceConfig& cfg, Metrics& metrics) : cfg_(cfg), metrics_(metrics) {
  const auto threads = static_cast<std::size_t>(std::max(1, cfg_.http_threads));
  const auto queue = static_cast<std::size_t>(std::max(0, cfg_.http_queue));
  api_.new_task_queue = [threads, queue] { return new BoundedQueue(threads, queue); };
  api_.set_payload_max_length(cfg_.max_body_bytes);
  api_.set_keep_alive_timeout(2);

  api_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    on_request_start(req);
    if (t_overload_thread) {
      write_response(error_response(std::make_exception_ptr(Unavailable(
                                        "the server is at its request limit; retry shortly")),
                                    t_request.request_id),
                     res);
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Errors httplib produces itself (no route, body too large, unreadable request): JSON too.
  api_.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req,
                                                                     httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    nlohmann::json body;
    if (res.status == 404) {
      body = {{"error", "not_found"}, {"message", "no route for " + req.method + " " + req.path}};
    } else if (res.status == 413) {
      body = {{"error", "payload_too_large"},
              {"message", "the body exceeds " + std::to_string(cfg_.max_body_bytes) + " bytes"}};
    } else if (res.status == 400) {
      body = {{"error", "bad_request"}, {"field", "request"}, {"reason", "malformed HTTP request"}};
    } else {
      body = {{"error", "http_" + std::to_string(res.status)}};
    }
    body["request_id"] = t_request.active ? t_request.request_id : std::string();
    res.set_content(body.dump(), "application/json");
    return httplib::Server::HandlerResponse::Handled;
  }));
  api_.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    if (t_request.active) res.set_header("X-Request-Id", t_request.request_id);
  });
  api_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    on_request_end(req, res);
  });

  metrics_server_.new_task_queue = [] { return new httplib::ThreadPool(2); };
  metrics_server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.serialize(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

HttpServer::~HttpServer() {
  api_.stop();
  metrics_server_.stop();
  if (api_thread_.joinable()) api_thread_.join();
  if (metrics_thread_.joinable()) metrics_thread_.join();
}

void HttpServer::get(const std::string& route, Handler h) { add("GET", route, std::move(h)); }
void HttpServer::post(const std::string& route, Handler h) { add("POST", route, std::move(h)); }
void HttpServer::put(const std::string& route, Handler h) { add("PUT", route, std::move(h)); }
void HttpServer::del(const std::string& route, Handler h) { add("DELETE", route, std::move(h)); }

void HttpServer::add(const std::string& method, const std::string& route, Handler h) {
  Route r{method, route, {}, {}};
  r.regex = route_regex(route, r.names);
  routes_.push_back(r);
  const std::string version = api_version_of(route);
  auto handler = [route, version, names = r.names, h = std::move(h)](const httplib::Request& req,
                                                                     httplib::Response& res) {
    t_request.route = route;
    t_request.api_version = version;
    Request in{.raw = req,
               .request_id = t_request.request_id,
               .client_id = t_request.client_id,
               .api_version = version,
               .params = {}};
    for (std::size_t i = 0; i < names.size() && i + 1 < req.matches.size(); ++i)
      in.params[names[i]] = req.matches[i + 1];
    Response out;
    try {
      out = h(in);
    } catch (...) {
      bool internal = false;
      out = error_response(std::current_exception(), in.request_id, &internal);
      if (internal) {
        std::string what = "unknown exception";
        try {
          throw;
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        log_error("request failed", {{"request_id", in.request_id},
                                     {"route", route},
                                     {"method", req.method},
                                     {"error", what}});
      }
    }
    write_response(out, res);
  };
  // httplib matches its own regex, built from the same pattern.
  std::vector<std::string> names;
  const std::string re_text = route_regex_text(route, names);
  if (method == "GET") {
    api_.Get(re_text, handler);
  } else if (method == "POST") {
    api_.Post(re_text, handler);
  } else if (method == "PUT") {
    api_.Put(re_text, handler);
  } else {
    api_.Delete(re_text, handler);
  }
}

std::string HttpServer::route_for(const std::string& method, const std::string& path) const {
  for (const auto& r : routes_)
    if (r.method == method && std::regex_match(path, r.regex)) return r.pattern;
  return "unmatched";
}

void HttpServer::on_request_start(const httplib::Request& req) {
  t_request = RequestContext{};
  t_request.active = true;
  t_request.start = Clock::now();
  const auto given = req.get_header_value("X-Request-Id");
  t_request.request_id = sane_request_id(given) ? given : new_request_id();
  t_request.client_id = Metrics::client_label(req.get_header_value("X-Client-Id"));
  in_flight_++;
}

void HttpServer::on_request_end(const httplib::Request& req, const httplib::Response& res) {
  if (!t_request.active) {  // httplib answered before routing (an unreadable request line)
    metrics_.observe_request("unmatched", req.method.empty() ? "UNKNOWN" : req.method, res.status,
                             "none", Metrics::client_label(req.get_header_value("X-Client-Id")),
                             0.0);
    return;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - t_request.start).count();
  std::string route = t_request.route, version = t_request.api_version;
  if (route.empty()) {
    route = route_for(req.method, req.path);
    version = route == "unmatched" ? "none" : api_version_of(route);
  }
  metrics_.observe_request(route, req.method, res.status, version, t_request.client_id, seconds);
  log_info("request", {{"request_id", t_request.request_id},
                       {"method", req.method},
                       {"route", route},
                       {"path", req.path},
                       {"status", res.status},
                       {"client", t_request.client_id},
                       {"duration_ms", seconds * 1000.0}});
  t_request.active = false;
  if (--in_flight_ == 0) {
    std::lock_guard lock(mu_);
    drained_.notify_all();
  }
}

void HttpServer::start() {
  if (cfg_.http_port == 0) {
    port_ = api_.bind_to_any_port(cfg_.listen_host);
  } else {
    port_ = api_.bind_to_port(cfg_.listen_host, cfg_.http_port) ? cfg_.http_port : -1;
  }
  if (port_ <= 0)
    throw std::runtime_error("cannot listen on " + cfg_.listen_host + ":" +
                             std::to_string(cfg_.http_port));
  if (cfg_.metrics_port == 0) {
    metrics_port_ = metrics_server_.bind_to_any_port(cfg_.listen_host);
  } else {
    metrics_port_ =
        metrics_server_.bind_to_port(cfg_.listen_host, cfg_.metrics_port) ? cfg_.metrics_port : -1;
  }
  if (metrics_port_ <= 0)
    throw std::runtime_error("cannot listen on " + cfg_.listen_host + ":" +
                             std::to_string(cfg_.metrics_port) + " (metrics)");
  api_thread_ = std::thread([this] { api_.listen_after_bind(); });
  metrics_thread_ = std::thread([this] { metrics_server_.listen_after_bind(); });
  // stop() before the listen loop runs would be lost: wait until both are running.
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while ((!api_.is_running() || !metrics_server_.is_running()) && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  started_ = true;
  log_info("listening", {{"http_port", port_}, {"metrics_port", metrics_port_}});
}

void HttpServer::stop_accepting() {
  api_.stop();
  log_info("stopped accepting connections", {{"in_flight", in_flight_.load()}});
}

bool HttpServer::wait_drained(std::chrono::milliseconds max) {
  std::unique_lock lock(mu_);
  return drained_.wait_for(lock, max, [this] { return in_flight_.load() == 0; });
}

}  // namespace schemashift::svc
