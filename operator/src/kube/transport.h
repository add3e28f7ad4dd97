// Transport: one HTTP exchange with the API server. The interface lets the pure parts of the
// client be unit-tested; HttpsTransport is the real thing (cpp-httplib over OpenSSL, the
// server's certificate always verified against the configured CA).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kube/api_error.h"
#include "kube/cluster_config.h"

namespace httplib {
class SSLClient;
}

namespace schemashift::kube {

enum class Method { kGet, kPost, kPut, kPatch, kDelete };

struct HttpResponse {
  int status = 0;
  std::string body;
};

// Lets another thread end a running stream (a watch) at once, e.g. on shutdown.
class StreamCanceller {
 public:
  void cancel();
  bool cancelled() const;
  // Used by transports: registers how to stop the current stream; false if already cancelled.
  bool attach(std::function<void()> stop);
  void detach();

 private:
  mutable std::mutex mu_;
  std::function<void()> stop_;
  bool cancelled_ = false;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends one request; any HTTP status is a successful exchange (the caller judges it).
  virtual Result<HttpResponse> send(Method method, const std::string& target,
                                    const std::string& body, const std::string& content_type) = 0;
  // GETs `target` and hands each piece of the body to `on_chunk` as it arrives, until the
  // server ends the response or `on_chunk` returns false. Returns the HTTP status; for a
  // non-2xx status, the body is collected into `error_body` instead.
  virtual Result<int> stream(const std::string& target, std::chrono::seconds read_timeout,
                             const std::function<bool(std::string_view)>& on_chunk,
                             std::string* error_body, StreamCanceller* canceller = nullptr) = 0;
};

class HttpsTransport final : public Transport {
 public:
  static Result<std::shared_ptr<HttpsTransport>> create(const ClusterConfig& config);
  ~HttpsTransport() override;
  HttpsTransport(const HttpsTransport&) = delete;
  HttpsTransport& operator=(const HttpsTransport&) = delete;

  Result<HttpResponse> send(Method method, const std::string& target, const std::string& body,
                            const std::string& content_type) override;
  Result<int> stream(const std::string& target, std::chrono::seconds read_timeout,
                     const std::function<bool(std::string_view)>& on_chunk, std::string* error_body,
                     StreamCanceller* canceller = nullptr) override;

  void set_request_timeout(std::chrono::seconds t) { request_timeout_ = t; }
  const std::string& server() const { return config_.server; }

 private:
  struct Pem;  // parsed certificates and key (OpenSSL objects)
  explicit HttpsTransport(ClusterConfig config);
  std::unique_ptr<httplib::SSLClient> make_client() const;
  // A pooled client (second: true, reused) or a new one.
  std::pair<std::unique_ptr<httplib::SSLClient>, bool> acquire();
  void release(std::unique_ptr<httplib::SSLClient> c);
  std::string bearer_token();

  ClusterConfig config_;
  std::string host_;
  int port_ = 443;
  std::string path_prefix_;
  std::unique_ptr<Pem> pem_;
  std::chrono::seconds request_timeout_{30};

  std::mutex mu_;
  std::vector<std::unique_ptr<httplib::SSLClient>> idle_;
  std::string token_;
  std::filesystem::file_time_type token_mtime_{};
};

}  // namespace schemashift::kube
