#include "support/browser_session.h"

#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <thread>

#include "support/helpers.h"
#include "support/process.h"
#include "support/stack_env.h"
#include "support/tcp_proxy.h"

namespace schemashift::testing {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {
constexpr const char* kChromedriver = "/usr/bin/chromedriver";
constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kElementKey = "element-6066-11e4-a52e-4f735466cecf";
}  // namespace

std::string base64_decode(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0, acc = 0;
  for (char c : text) {
    const int v = value(c);
    if (v < 0) continue;  // padding, line breaks
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

BrowserSession::BrowserSession() {
  for (const char* path : {kChromedriver, kChromium}) {
    if (::access(path, X_OK) != 0)
      throw std::runtime_error(std::string(path) +
                               " is missing: hack/setup.sh installs Debian's chromium and "
                               "chromium-driver");
  }
  const int port = free_port();
  driver_ = std::make_unique<Subprocess>(
      std::vector<std::string>{kChromedriver, "--port=" + std::to_string(port)});
  http_ = std::make_unique<httplib::Client>("127.0.0.1", port);
  http_->set_read_timeout(120, 0);  // a cold Chromium start on a busy 2-core machine
  http_->set_connection_timeout(5, 0);
  const bool ready = eventually(
      [&] {
        auto r = http_->Get("/status");
        return r && r->status == 200 && json::parse(r->body)["value"].value("ready", false);
      },
      30s);
  if (!ready) throw std::runtime_error("chromedriver did not start: " + driver_->output());
  profile_dir_ = "/tmp/schemashift-chromium-" + unique_suffix();
  const json caps = {{"capabilities",
                      {{"alwaysMatch",
                        {{"browserName", "chrome"},
                         {"goog:chromeOptions",
                          {{"binary", kChromium},
                           {"args",
                            {"--headless=new", "--no-sandbox", "--disable-gpu",
                             "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
                             "--window-size=1400,1500", "--user-data-dir=" + profile_dir_}}}}}}}}};
  int status = 0;
  json v = call("POST", "/session", caps, &status);
  if (status != 200 || !v.contains("sessionId"))
    throw std::runtime_error("no browser session: " + v.dump() + "\n" + driver_->output());
  session_ = v["sessionId"];
}

BrowserSession::~BrowserSession() {
  if (!session_.empty()) (void)http_->Delete("/session/" + session_);
  if (driver_) {
    driver_->signal(SIGTERM);
    driver_->wait();
  }
  if (!profile_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(profile_dir_, ec);
  }
}

json BrowserSession::call(const std::string& method, const std::string& path, const json& body,
                          int* status) {
  const std::string full = path.starts_with("/session") && !session_.empty()
                               ? "/session/" + session_ + path.substr(8)
                               : path;
  httplib::Result r = method == "GET"      ? http_->Get(full)
                      : method == "DELETE" ? http_->Delete(full)
                                           : http_->Post(full, body.is_null() ? "{}" : body.dump(),
                                                         "application/json");
  if (!r) throw std::runtime_error("chromedriver did not answer " + method + " " + full);
  if (status) *status = r->status;
  json answer = json::parse(r->body, nullptr, false);
  if (answer.is_discarded()) return json();
  return answer.contains("value") ? answer["value"] : answer;
}

void BrowserSession::navigate(const std::string& url) {
  int status = 0;
  auto v = call("POST", "/session/url", {{"url", url}}, &status);
  if (status != 200) throw std::runtime_error("navigate " + url + ": " + v.dump());
}

json BrowserSession::execute(const std::string& script) {
  int status = 0;
  auto v =
      call("POST", "/session/execute/sync", {{"script", script}, {"args", json::array()}}, &status);
  if (status != 200) throw std::runtime_error("script failed: " + v.dump());
  return v;
}

bool BrowserSession::click(const std::string& css) {
  int status = 0;
  auto el = call("POST", "/session/element", {{"using", "css selector"}, {"value", css}}, &status);
  if (status != 200 || !el.contains(kElementKey)) return false;
  auto v = call("POST", "/session/element/" + el[kElementKey].get<std::string>() + "/click",
                json::object(), &status);
  if (status != 200) throw std::runtime_error("click on " + css + " refused: " + v.dump());
  return true;
}

bool BrowserSession::accept_alert() {
  int status = 0;
  (void)call("POST", "/session/alert/accept", json::object(), &status);
  return status == 200;
}

std::string BrowserSession::screenshot_png() {
  int status = 0;
  auto v = call("GET", "/session/screenshot", nullptr, &status);
  if (status != 200 || !v.is_string()) throw std::runtime_error("no screenshot: " + v.dump());
  return base64_decode(v.get<std::string>());
}

}  // namespace schemashift::testing
