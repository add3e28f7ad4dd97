#include "v2_fault.h"

#include <sstream>
#include <stdexcept>

namespace schemashift::customers {

std::set<std::int64_t> parse_fault_ids(const std::string& csv) {
  std::set<std::int64_t> ids;
  std::istringstream in(csv);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
    if (b == std::string::npos) continue;
    const std::string id = item.substr(b, e - b + 1);
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(id, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != id.size() || v <= 0)
      throw std::invalid_argument("FAULT_V2_CUSTOMER_IDS: \"" + id +
                                  "\" is not a customer id (a positive integer)");
    ids.insert(v);
  }
  return ids;
}

svc::Handler failing_v2_reads(std::set<std::int64_t> ids, svc::Handler h) {
  if (ids.empty()) return h;
  return [ids = std::move(ids), h = std::move(h)](const svc::Request& req) {
    const std::string id = req.param("id");
    if (req.raw.method == "GET" && !id.empty()) {
      try {
        if (ids.count(std::stoll(id)))
          throw std::runtime_error(
              "fault injected (FAULT_V2_CUSTOMER_IDS): the v2 read of "
              "customer " +
              id + " fails");
      } catch (const std::invalid_argument&) {
      } catch (const std::out_of_range&) {
      }
    }
    return h(req);
  };
}

}  // namespace schemashift::customers
