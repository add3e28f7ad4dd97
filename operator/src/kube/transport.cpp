#include "kube/transport.h"

#include <csignal>
#include <fstream>
#include <sstream>

#include <httplib.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace schemashift::kube {

struct HttpsTransport::Pem {
  std::vector<X509*> cas;
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
  ~Pem() {
    for (auto* c : cas) X509_free(c);
    if (cert) X509_free(cert);
    if (key) EVP_PKEY_free(key);
  }
};

namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

BioPtr bio_of(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::string method_name(Method m) {
  switch (m) {
    case Method::kGet:
      return "GET";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
  }
  return "?";
}

ApiError transport_error(httplib::Error err, const std::string& server, const std::string& what) {
  switch (err) {
    case httplib::Error::SSLServerVerification:
      return ApiError::transport("TLSError",
                                 "the certificate of " + server +
                                     " is not trusted by the configured CA (or does not "
                                     "name this host); " +
                                     what);
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLLoadingCerts:
      return ApiError::transport("TLSError", "TLS handshake with " + server + " failed; " + what);
    case httplib::Error::Connection:
      return ApiError::transport("TransportError", "cannot connect to " + server + "; " + what);
    case httplib::Error::Read:
      return ApiError::transport(
          "Timeout", "reading the response from " + server + " failed or timed out; " + what);
    default:
      return ApiError::transport("TransportError",
                                 httplib::to_string(err) + " talking to " + server + "; " + what);
  }
}

}  // namespace

void StreamCanceller::cancel() {
  std::function<void()> stop;
  {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    stop = stop_;
  }
  if (stop) stop();
}

bool StreamCanceller::cancelled() const {
  std::lock_guard lock(mu_);
  return cancelled_;
}

bool StreamCanceller::attach(std::function<void()> stop) {
  std::lock_guard lock(mu_);
  if (cancelled_) return false;
  stop_ = std::move(stop);
  return true;
}

void StreamCanceller::detach() {
  std::lock_guard lock(mu_);
  stop_ = nullptr;
}

Result<std::shared_ptr<HttpsTransport>> HttpsTransport::create(const ClusterConfig& config) {
  // OpenSSL writes its close-notify to sockets the server may already have closed; the write
  // must fail with EPIPE, not kill the process with SIGPIPE.
  static std::once_flag sigpipe_once;
  std::call_once(sigpipe_once, [] { std::signal(SIGPIPE, SIG_IGN); });
  std::shared_ptr<HttpsTransport> t(new HttpsTransport(config));
  const std::string& s = config.server;
  const std::string scheme = "https://";
  if (s.rfind(scheme, 0) != 0) {
    return fail(ApiError::transport("ConfigError",
                                    "API server address \"" + s + "\" must start with https://"));
  }
  std::string rest = s.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    t->path_prefix_ = rest.substr(slash);
    while (!t->path_prefix_.empty() && t->path_prefix_.back() == '/') t->path_prefix_.pop_back();
    rest = rest.substr(0, slash);
  }
  std::string host = rest;
  if (!rest.empty() && rest.front() == '[') {  // [::1]:6443
    auto close = rest.find(']');
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':')
      t->port_ = std::stoi(rest.substr(close + 2));
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    host = rest.substr(0, colon);
    try {
      t->port_ = std::stoi(rest.substr(colon + 1));
    } catch (const std::exception&) {
      return fail(ApiError::transport("ConfigError",
                                      "API server address \"" + s + "\" has an invalid port"));
    }
  }
  t->host_ = host;

  t->pem_ = std::make_unique<Pem>();
  if (!config.ca_pem.empty()) {
    auto bio = bio_of(config.ca_pem);
    while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
      t->pem_->cas.push_back(c);
    if (t->pem_->cas.empty()) {
      return fail(ApiError::transport(
          "ConfigError", config.source + ": certificate-authority holds no PEM certificate"));
    }
  }
  if (!config.client_cert_pem.empty()) {
    auto cb = bio_of(config.client_cert_pem);
    t->pem_->cert = PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr);
    auto kb = bio_of(config.client_key_pem);
    t->pem_->key = PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr);
    if (!t->pem_->cert || !t->pem_->key) {
      return fail(ApiError::transport(
          "ConfigError", config.source + ": client certificate or key is not valid PEM"));
    }
  }
  return t;
}

HttpsTransport::HttpsTransport(ClusterConfig config) : config_(std::move(config)) {}
HttpsTransport::~HttpsTransport() = default;

std::unique_ptr<httplib::SSLClient> HttpsTransport::make_client() const {
  auto c = pem_->cert ? std::make_unique<httplib::SSLClient>(host_, port_, pem_->cert, pem_->key)
                      : std::make_unique<httplib::SSLClient>(host_, port_);
  if (!pem_->cas.empty()) {
    X509_STORE* store = X509_STORE_new();  // owned by the client's SSL_CTX from here on
    for (X509* ca : pem_->cas) X509_STORE_add_cert(store, ca);
    c->set_ca_cert_store(store);
  }
  c->enable_server_certificate_verification(true);
  c->set_keep_alive(true);
  c->set_connection_timeout(std::chrono::seconds(5));
  c->set_read_timeout(request_timeout_);
  c->set_write_timeout(request_timeout_);
  return c;
}

std::pair<std::unique_ptr<httplib::SSLClient>, bool> HttpsTransport::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return {std::move(c), true};
    }
  }
  return {make_client(), false};
}

void HttpsTransport::release(std::unique_ptr<httplib::SSLClient> c) {
  std::lock_guard lock(mu_);
  if (idle_.size() < 8) idle_.push_back(std::move(c));
}

std::string HttpsTransport::bearer_token() {
  if (config_.token_file.empty()) return config_.token;
  std::lock_guard lock(mu_);
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(config_.token_file, ec);
  if (!ec && (token_.empty() || mtime != token_mtime_)) {  // rotated: read it again
    std::ifstream in(config_.token_file);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string tok = ss.str();
    while (!tok.empty() && (tok.back() == '\n' || tok.back() == '\r')) tok.pop_back();
    if (!tok.empty()) {
      token_ = tok;
      token_mtime_ = mtime;
    }
  }
  return token_;
}

Result<HttpResponse> HttpsTransport::send(Method method, const std::string& target,
                                          const std::string& body,
                                          const std::string& content_type) {
  httplib::Headers headers{{"Accept", "application/json"}, {"User-Agent", "schemashift/0.1"}};
  if (auto tok = bearer_token(); !tok.empty()) headers.emplace("Authorization", "Bearer " + tok);
  const std::string path = path_prefix_ + target;
  auto exchange = [&](httplib::SSLClient& client) {
    switch (method) {
      case Method::kGet:
        return client.Get(path, headers);
      case Method::kPost:
        return client.Post(path, headers, body, content_type);
      case Method::kPut:
        return client.Put(path, headers, body, content_type);
      case Method::kPatch:
        return client.Patch(path, headers, body, content_type);
      case Method::kDelete:
        return client.Delete(path, headers, body, content_type);
    }
    return client.Get(path, headers);
  };
  auto [client, reused] = acquire();
  httplib::Result r = exchange(*client);
  // A pooled connection the server has since closed (idle timeout, restart) fails before any
  // response: retry once on a fresh connection, as Go's HTTP client does.
  if (!r && reused &&
      (r.error() == httplib::Error::Read || r.error() == httplib::Error::Write ||
       r.error() == httplib::Error::Connection || r.error() == httplib::Error::SSLConnection)) {
    client = make_client();
    r = exchange(*client);
  }
  if (!r)
    return fail(transport_error(r.error(), config_.server, method_name(method) + " " + target));
  HttpResponse out{r->status, std::move(r->body)};
  release(std::move(client));
  return out;
}

Result<int> HttpsTransport::stream(const std::string& target, std::chrono::seconds read_timeout,
                                   const std::function<bool(std::string_view)>& on_chunk,
                                   std::string* error_body, StreamCanceller* canceller) {
  httplib::Headers headers{{"Accept", "application/json"}, {"User-Agent", "schemashift/0.1"}};
  if (auto tok = bearer_token(); !tok.empty()) headers.emplace("Authorization", "Bearer " + tok);
  auto client = make_client();  // a watch holds its connection: never from the pool
  client->set_keep_alive(false);
  client->set_read_timeout(read_timeout);
  int status = 0;
  bool stopped_by_caller = false;
  if (canceller && !canceller->attach([c = client.get()] { c->stop(); })) {
    return fail(ApiError::transport("Cancelled", "watch " + target + " cancelled"));
  }
  auto r = client->Get(
      path_prefix_ + target, headers,
      [&](const httplib::Response& resp) {
        status = resp.status;
        return true;
      },
      [&](const char* data, size_t len) {
        if (status < 200 || status >= 300) {
          if (error_body && error_body->size() < (1u << 20)) error_body->append(data, len);
          return true;
        }
        if (!on_chunk(std::string_view(data, len))) {
          stopped_by_caller = true;
          return false;
        }
        return true;
      });
  if (canceller) canceller->detach();
  if (stopped_by_caller) return status;
  if (canceller && canceller->cancelled()) {
    return fail(ApiError::transport("Cancelled", "watch " + target + " cancelled"));
  }
  if (!r) return fail(transport_error(r.error(), config_.server, "watch " + target));
  return status;
}

}  // namespace schemashift::kube
