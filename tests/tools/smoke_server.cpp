// smoke-server: the process in the real node's test image. `serve` answers HTTP on a port
// (GET /healthz for probes; GET / names the pod), `crash` exits non-zero at once (for
// CrashLoopBackOff), `fetch URL` GETs a plain-http URL and prints the body (the client a test
// runs with `kubectl exec` to reach a pod IP or a Service by its DNS name). SIGTERM ends
// `serve` at once with exit 0, so pod deletion takes no grace period.
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

void on_term(int) { std::_Exit(0); }

std::string hostname() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

bool send_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

void answer(int fd) {
  std::string req;
  char buf[2048];
  while (req.find("\r\n\r\n") == std::string::npos && req.size() < 16384) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return;
    req.append(buf, static_cast<std::size_t>(n));
  }
  const auto sp1 = req.find(' ');
  const auto sp2 = req.find(' ', sp1 + 1);
  const std::string path = sp1 == std::string::npos || sp2 == std::string::npos
                               ? "/"
                               : req.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string body = path == "/healthz" ? "ok\n" : "smoke " + hostname() + "\n";
  std::printf("GET %s\n", path.c_str());
  std::fflush(stdout);
  send_all(fd,
           "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body);
}

int serve(int port) {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = 0;  // every address
  if (::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(s, 64) != 0) {
    std::perror("smoke-server: bind/listen");
    return 1;
  }
  std::printf("smoke-server %s listening on :%d\n", hostname().c_str(), port);
  std::fflush(stdout);
  for (;;) {
    const int c = ::accept(s, nullptr, nullptr);
    if (c < 0) continue;
    answer(c);
    ::close(c);
  }
}

int fetch(const std::string& url) {
  const std::string prefix = "http://";
  if (url.rfind(prefix, 0) != 0) {
    std::fprintf(stderr, "fetch: only http:// URLs\n");
    return 2;
  }
  std::string rest = url.substr(prefix.size());
  const auto slash = rest.find('/');
  const std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  std::string hostport = rest.substr(0, slash);
  std::string host = hostport, port = "80";
  if (auto colon = hostport.rfind(':'); colon != std::string::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  }
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    std::fprintf(stderr, "fetch: cannot resolve %s: %s\n", host.c_str(), gai_strerror(rc));
    return 1;
  }
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  const int ok = ::connect(s, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (ok != 0) {
    std::perror("fetch: connect");
    return 1;
  }
  send_all(s, "GET " + path + " HTTP/1.1\r\nHost: " + hostport + "\r\nConnection: close\r\n\r\n");
  std::string resp;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(s, buf, sizeof buf, 0)) > 0) resp.append(buf, static_cast<std::size_t>(n));
  ::close(s);
  const auto body = resp.find("\r\n\r\n");
  std::fputs(body == std::string::npos ? resp.c_str() : resp.c_str() + body + 4, stdout);
  return resp.rfind("HTTP/1.1 200", 0) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGTERM, on_term);
  const std::string cmd = argc > 1 ? argv[1] : "serve";
  if (cmd == "serve") return serve(argc > 2 ? std::atoi(argv[2]) : 8080);
  if (cmd == "crash") {
    std::fprintf(stderr, "smoke-server: crashing on purpose\n");
    return 3;
  }
  if (cmd == "fetch" && argc > 2) return fetch(argv[2]);
  std::fprintf(stderr,
               "usage: smoke-server serve [PORT] | crash | fetch http://HOST[:PORT]/PATH\n");
  return 2;
}
