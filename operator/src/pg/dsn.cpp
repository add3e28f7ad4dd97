#include "pg/dsn.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <memory>
#include <regex>
#include <vector>

#include "common/redact.h"
#include "common/url.h"

namespace schemashift::pg {

namespace {

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    if (c < 0x80) {
      extra = 0;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
    } else {
      return false;
    }
    if (s.size() - i < extra + 1) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n\f\v");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n\f\v") - b + 1);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool starts_with_ci(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == prefix;
}

// A word from the user's text that may be named in a message: short and plainly a name.
std::string nameable(const std::string& word, const std::string& otherwise) {
  static const std::regex kName("[A-Za-z][A-Za-z0-9_.-]{0,39}");
  static const std::regex kSecretish("(?:pass|pwd|secret|token|key)", std::regex::icase);
  if (std::regex_match(word, kName) && !std::regex_search(word, kSecretish)) return word;
  return otherwise;
}

// What libpq's parser found wrong, in words of our own: its message quotes the text (which may
// be the password itself), so only the part before its first quote is kept, or a known meaning.
std::string what_is_wrong(const std::string& message) {
  static const std::vector<std::pair<std::string, std::string>> kKnown = {
      {"missing \"=\"", "a word without \"=\" (neither key=value pairs nor a URI)"},
      {"unterminated quoted string", "an unterminated quoted value"},
      {"invalid connection option", "an option libpq does not know"},
      {"invalid URI query parameter", "a URI query parameter libpq does not know"},
      {"invalid percent-encoded token", "an invalid %-escape in the URI"},
      {"forbidden value %00", "a %00 in the URI"},
      {"matching \"]\"", "an IPv6 host address without its closing ]"},
      {"IPv6 host address may not be empty", "an empty IPv6 host address"},
      {"unexpected character", "an unexpected character in the URI"},
      {"extra key/value separator", "an extra = in a URI query parameter"},
      {"missing key/value separator", "a URI query parameter without ="},
  };
  for (const auto& [needle, meaning] : kKnown) {
    if (message.find(needle) != std::string::npos) return meaning;
  }
  return trim(message.substr(0, message.find('"')));
}

// key='value' for a libpq conninfo: backslash and quote escaped.
std::string quoted(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\\' || c == '\'') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

// jdbc:postgresql://host:port/db?user=..&password=.. as a postgresql:// URI libpq reads.
Result<std::string, std::string> from_jdbc(const std::string& s) {
  if (!starts_with_ci(s, "jdbc:postgresql:")) {
    const auto colon = s.find(':', 5);
    return fail("a JDBC URL for another database (jdbc:" +
                nameable(s.substr(5, colon == std::string::npos ? 0 : colon - 5), "...") +
                ":) is not a PostgreSQL connection string");
  }
  std::string rest = s.substr(std::string("jdbc:postgresql:").size());
  // jdbc:postgresql:orders and jdbc:postgresql:/orders mean localhost:5432.
  if (rest.rfind("//", 0) != 0)
    rest = "//localhost/" + rest.substr(rest.rfind('/', 0) == 0 ? 1 : 0);
  const auto q = rest.find('?');
  std::string uri = "postgresql:" + rest.substr(0, q), query;
  if (q == std::string::npos) return uri;
  // JDBC parameter -> libpq keyword (same name when libpq has it).
  static const std::map<std::string, std::string> kNames = {
      {"user", "user"},
      {"password", "password"},
      {"sslmode", "sslmode"},
      {"sslcert", "sslcert"},
      {"sslkey", "sslkey"},
      {"sslrootcert", "sslrootcert"},
      {"sslpassword", "sslpassword"},
      {"options", "options"},
      {"applicationname", "application_name"},
      {"application_name", "application_name"},
      {"connecttimeout", "connect_timeout"},
      {"logintimeout", "connect_timeout"},
      {"connect_timeout", "connect_timeout"},
      {"tcpkeepalive", "keepalives"},
      {"targetservertype", "target_session_attrs"},
      {"gssencmode", "gssencmode"},
      {"channelbinding", "channel_binding"},
      {"ssl", "ssl"},
  };
  bool sslmode_given = false;
  std::string ssl;
  std::size_t pos = q + 1;
  while (pos <= rest.size()) {
    auto amp = rest.find('&', pos);
    if (amp == std::string::npos) amp = rest.size();
    const std::string pair = rest.substr(pos, amp - pos);
    pos = amp + 1;
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string name = pair.substr(0, eq),
                      value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    auto it = kNames.find(lower(name));
    if (it == kNames.end()) {
      return fail("the JDBC parameter " + nameable(name, "(unnamed here)") +
                  " has no libpq equivalent; remove it, or write the string as a postgresql:// "
                  "URI");
    }
    std::string key = it->second, v = value;
    if (key == "ssl") {
      ssl = lower(value);
      continue;
    }
    if (key == "sslmode") sslmode_given = true;
    if (key == "keepalives") v = lower(value) == "true" ? "1" : "0";
    if (key == "target_session_attrs") {
      static const std::map<std::string, std::string> kTargets = {
          {"any", "any"},
          {"primary", "primary"},
          {"master", "primary"},
          {"secondary", "standby"},
          {"slave", "standby"},
          {"standby", "standby"},
          {"prefersecondary", "prefer-standby"},
          {"preferslave", "prefer-standby"}};
      auto t = kTargets.find(lower(value));
      if (t == kTargets.end())
        return fail("the JDBC targetServerType value has no libpq target_session_attrs equivalent");
      v = t->second;
    }
    query += (query.empty() ? "?" : "&") + key + "=" + v;
  }
  if (!ssl.empty() && !sslmode_given)
    query += (query.empty() ? "?" : "&") + std::string("sslmode=") +
             (ssl == "false" ? "disable" : "require");
  return uri + query;
}

// Server=db;Port=5432;Database=orders;User Id=app;Password=...; (ADO.NET, Npgsql, ODBC).
bool looks_like_other_dialect(const std::string& s) {
  static const std::regex kKey(
      R"((^|;)\s*(server|host|data source|user id|userid|uid|username|user|password|pwd|database|initial catalog|port|driver|dsn)\s*=)",
      std::regex::icase);
  return s.find(';') != std::string::npos && std::regex_search(s, kKey);
}

using Options = std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;

}  // namespace

Result<Conninfo, std::string> parse_dsn(const std::string& raw) {
  if (raw.find('\0') != std::string::npos)
    return fail(std::string("the connection string contains a NUL byte"));
  if (!valid_utf8(raw)) {
    return fail(std::string(
        "the connection string is not valid UTF-8 text (a binary or mis-encoded Secret value?)"));
  }
  std::string s = trim(raw);
  if (s.empty()) {
    return fail(
        std::string("the connection string is empty (libpq would fall back to its defaults and the "
                    "operator's own PG* environment; schemashift does not)"));
  }
  if (starts_with_ci(s, "jdbc:")) {
    auto uri = from_jdbc(s);
    if (!uri) return fail(uri.error());
    s = *uri;
  } else if (std::smatch m; std::regex_search(s, m, std::regex("^([A-Za-z][A-Za-z0-9+.-]*)://"))) {
    const std::string scheme = lower(m[1].str());
    if (scheme != "postgresql" && scheme != "postgres") {
      return fail("a " + nameable(m[1].str(), "non-PostgreSQL") +
                  ":// URL is not a PostgreSQL connection string (postgresql://user@host/db)");
    }
    s = scheme + s.substr(scheme.size());  // libpq reads the scheme in lower case only
  }
  char* err = nullptr;
  Options opts(PQconninfoParse(s.c_str(), &err), &PQconninfoFree);
  if (!opts) {
    std::string why = err ? what_is_wrong(err) : std::string("out of memory");
    if (err) PQfreemem(err);
    if (looks_like_other_dialect(s)) {
      return fail(std::string(
          "the connection string looks like an ADO.NET/Npgsql/ODBC one (Key=Value;...), which "
          "libpq does not read; write it as a postgresql://user:password@host:port/db URI or as "
          "libpq key=value pairs (host=... port=... dbname=... user=... password=...)"));
    }
    return fail("libpq cannot parse the connection string: " + why);
  }
  Conninfo out;
  std::map<std::string, std::string> shown;
  for (PQconninfoOption* o = opts.get(); o->keyword; ++o) {
    const std::string key = o->keyword;
    std::string value;
    if (o->val) {
      value = o->val;
    } else if (key == "passfile") {
      value = "/dev/null/schemashift-no-passfile";  // never the operator's ~/.pgpass
    } else if (key == "fallback_application_name") {
      value = "schemashift";
    } else if (key == "connect_timeout") {
      value = "10";  // seconds; libpq's default waits for the TCP timeout, and "" is refused
    } else if (key == "service" || !o->envvar) {
      continue;  // a service cannot be spelt "none"; the operator binary clears PGSERVICE
    } else {
      value = o->compiled ? o->compiled : "";  // not the PG* variable libpq would read
    }
    out.conninfo += (out.conninfo.empty() ? "" : " ") + key + "=" + quoted(value);
    if (key == "password") out.password = value;
    if (o->val &&
        (key == "host" || key == "hostaddr" || key == "port" || key == "dbname" || key == "user"))
      shown[key] = value;
  }
  for (const char* k : {"host", "hostaddr", "port", "dbname", "user"}) {
    if (shown.count(k))
      out.display += (out.display.empty() ? "" : " ") + std::string(k) + "=" + shown[k];
  }
  if (out.display.empty()) out.display = "(libpq defaults)";
  return out;
}

std::string redact_dsn(const std::string& dsn) {
  auto parsed = parse_dsn(dsn);
  return parsed ? parsed->display : "(a connection string that could not be parsed)";
}

std::string dsn_password(const std::string& dsn) {
  auto parsed = parse_dsn(dsn);
  return parsed ? parsed->password : std::string();
}

std::string scrub(std::string text, const std::string& dsn) {
  auto replace_all = [&](const std::string& needle, bool standalone) {
    if (needle.empty()) return;
    for (std::size_t pos = text.find(needle); pos != std::string::npos;
         pos = text.find(needle, pos)) {
      const auto end = pos + needle.size();
      const bool alone =
          (pos == 0 || !std::isalnum(static_cast<unsigned char>(text[pos - 1]))) &&
          (end >= text.size() || !std::isalnum(static_cast<unsigned char>(text[end])));
      if (standalone && !alone) {
        pos = end;
        continue;
      }
      text.replace(pos, needle.size(), "***");
      pos += 3;
    }
  };
  replace_all(dsn, false);
  replace_all(trim(dsn), false);
  auto parsed = parse_dsn(dsn);
  if (parsed) replace_all(parsed->conninfo, false);
  text = redact_credentials(text);
  if (parsed && !parsed->password.empty()) {
    const bool short_one = parsed->password.size() < 4;
    replace_all(parsed->password, short_one);
    replace_all(url_encode(parsed->password), short_one);
  }
  return text;
}

}  // namespace schemashift::pg
