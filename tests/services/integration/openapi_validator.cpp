#include "openapi_validator.h"

#include <unistd.h>

#include <fstream>
#include <mutex>
#include <stdexcept>

#include "support/process.h"

namespace schemashift::testing {

namespace {
std::string python() {
  static std::once_flag once;
  static std::string path;
  std::call_once(once, [] {
    auto r = run_command(std::string(SCHEMASHIFT_SOURCE_DIR) + "/hack/py-tools.sh 2>/dev/null");
    if (r.exit_code != 0) throw std::runtime_error("hack/py-tools.sh failed:\n" + r.output);
    path = r.output.substr(0, r.output.find_last_not_of("\n") + 1);
    path = path.substr(path.find_last_of('\n') + 1);
  });
  return path;
}

// A temporary file holding `text`, removed with the object.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char tmpl[] = "/tmp/schemashift-openapi-XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd < 0) throw std::runtime_error("cannot make a temporary file");
    close(fd);
    path_ = tmpl;
    std::ofstream(path_) << text;
  }
  ~TempFile() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Verdict run(const std::string& args) {
  const auto r = run_command(
      shell_quote(python()) + " " +
      shell_quote(std::string(SCHEMASHIFT_SOURCE_DIR) + "/tests/services/openapi_check.py") + " " +
      args);
  return {r.exit_code == 0, r.output};
}
}  // namespace

Verdict validate_openapi(const std::string& document) {
  TempFile doc(document);
  return run("spec " + shell_quote(doc.path()));
}

Verdict validate_response(const std::string& document, const std::string& path,
                          const std::string& method, int status, const std::string& body) {
  TempFile doc(document), out(body);
  return run("response " + shell_quote(doc.path()) + " " + shell_quote(path) + " " + method + " " +
             std::to_string(status) + " " + shell_quote(out.path()));
}

}  // namespace schemashift::testing
