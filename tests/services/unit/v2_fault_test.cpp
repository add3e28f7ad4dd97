// The test-only /v2 fault of customers (v2_fault.h): which requests it fails, and the knob's
// parsing.
#include "v2_fault.h"

#include <gtest/gtest.h>
#include <httplib.h>

namespace {

using namespace schemashift;
using customers::failing_v2_reads;
using customers::parse_fault_ids;

svc::Response answer(const svc::Handler& h, const std::string& method, const std::string& id) {
  httplib::Request raw;
  raw.method = method;
  svc::Request req{raw, "req-1", "fulfillment", "v2", {}};
  if (!id.empty()) req.params["id"] = id;
  return h(req);
}

TEST(V2Fault, OnlyGetsOfTheListedIdsFail) {
  int served = 0;
  const svc::Handler h = failing_v2_reads({9001, 9002}, [&served](const svc::Request&) {
    ++served;
    return svc::Response{200, {{"ok", true}}, {}};
  });
  EXPECT_THROW(answer(h, "GET", "9001"), std::runtime_error);
  EXPECT_THROW(answer(h, "GET", "9002"), std::runtime_error);
  EXPECT_EQ(served, 0);
  EXPECT_EQ(answer(h, "GET", "7").status, 200);
  EXPECT_EQ(answer(h, "PUT", "9001").status, 200) << "writes are untouched";
  EXPECT_EQ(answer(h, "GET", "").status, 200) << "the collection is untouched";
  EXPECT_EQ(answer(h, "GET", "x").status, 200) << "the handler refuses a bad id itself";
  EXPECT_EQ(served, 4);
}

TEST(V2Fault, TheKnobIsAListOfPositiveIds) {
  EXPECT_EQ(parse_fault_ids(""), (std::set<std::int64_t>{}));
  EXPECT_EQ(parse_fault_ids("9001, 9002,"), (std::set<std::int64_t>{9001, 9002}));
  EXPECT_THROW(parse_fault_ids("9001,abc"), std::invalid_argument);
  EXPECT_THROW(parse_fault_ids("0"), std::invalid_argument);
  EXPECT_THROW(parse_fault_ids("12x"), std::invalid_argument);
}

}  // namespace
