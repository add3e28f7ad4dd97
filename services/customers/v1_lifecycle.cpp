#include "v1_lifecycle.h"

#include <ctime>

#include "customer_schema.h"
#include "http_errors.h"

namespace schemashift::customers {

std::string http_date(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::vector<std::pair<std::string, std::string>> v1_headers(svc::FlagMode mode,
                                                            const V1Retirement& dates) {
  if (mode == svc::FlagMode::kOld) return {};
  return {{"Deprecation", "@" + std::to_string(dates.deprecated_at)},
          {"Sunset", http_date(dates.sunset_at)},
          {"Link", std::string("<") + kV2Successor + ">; rel=\"successor-version\""}};
}

svc::Handler v1_endpoint(const svc::Flags& flags, V1Retirement dates, svc::Handler h) {
  return [&flags, dates, h = std::move(h)](const svc::Request& req) {
    const auto mode = flags.mode(kV1Lifecycle);
    svc::Response out;
    if (mode == svc::FlagMode::kNew) {
      out = svc::error_response(
          std::make_exception_ptr(
              svc::Gone("/v1/customers has been retired; use /v2/customers (see /v2/openapi.json)",
                        kV2Successor)),
          req.request_id);
      out.headers.emplace_back("Sunset", http_date(dates.sunset_at));
      return out;
    }
    try {
      out = h(req);
    } catch (const std::exception&) {
      bool internal = false;
      out = svc::error_response(std::current_exception(), req.request_id, &internal);
      if (internal) throw;  // the server logs it and answers 500
    }
    for (auto& header : v1_headers(mode, dates)) out.headers.push_back(std::move(header));
    return out;
  };
}

}  // namespace schemashift::customers
