// BrowserSession: a real headless Chromium (Debian's chromium and chromium-driver, installed by
// hack/setup.sh) driven through chromedriver's W3C WebDriver HTTP API with cpp-httplib — for
// tests that look at a page as a person would: read what is on screen, click, accept a
// confirmation, take a screenshot.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "support/subprocess.h"

namespace httplib {
class Client;
}

namespace schemashift::testing {

class BrowserSession {
 public:
  // Starts chromedriver on a free port and opens a session; throws std::runtime_error with
  // what is missing (e.g. "run hack/setup.sh") when it cannot.
  BrowserSession();
  ~BrowserSession();  // closes the session (and Chromium with it), then stops chromedriver
  BrowserSession(const BrowserSession&) = delete;
  BrowserSession& operator=(const BrowserSession&) = delete;

  void navigate(const std::string& url);
  // Runs `script` (a function body; `return` gives the value) in the page.
  nlohmann::json execute(const std::string& script);
  // Clicks the element `css` selects; false when there is none; throws when the browser
  // refuses the click (hidden, covered).
  bool click(const std::string& css);
  // Accepts an open confirm()/alert(); false when none is open.
  bool accept_alert();
  std::string screenshot_png();  // the PNG bytes of the viewport

 private:
  nlohmann::json call(const std::string& method, const std::string& path,
                      const nlohmann::json& body = nullptr, int* status = nullptr);

  std::unique_ptr<Subprocess> driver_;
  std::unique_ptr<httplib::Client> http_;
  std::string session_;
  std::string profile_dir_;
};

// Decodes standard base64 (WebDriver's screenshots).
std::string base64_decode(const std::string& text);

}  // namespace schemashift::testing
