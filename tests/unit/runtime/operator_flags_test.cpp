// schemashift-operator's command line as the chart, kind and the tests pass it.
#include "runtime/operator_flags.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

using schemashift::runtime::parse_operator_flags;
using schemashift::runtime::ParsedFlags;

ParsedFlags parse(std::vector<const char*> args) {
  args.insert(args.begin(), "schemashift-operator");
  return parse_operator_flags(static_cast<int>(args.size()), args.data());
}

TEST(OperatorFlags, DefaultsAreTheDocumentedOnes) {
  const auto p = parse({});
  ASSERT_EQ(p.outcome, ParsedFlags::kRun) << p.text;
  EXPECT_EQ(p.flags.metrics_addr, ":8080");
  EXPECT_EQ(p.flags.probe_addr, ":8081");
  EXPECT_EQ(p.flags.workers, 2);
  EXPECT_EQ(p.flags.log_level, "info");
  EXPECT_FALSE(p.flags.leader_elect);
  EXPECT_EQ(p.flags.leader_election_id, "schemashift-operator");
}

TEST(OperatorFlags, TheChartsArgumentsParse) {
  const auto p = parse({"--namespace=shop", "--leader-elect", "--leader-election-namespace=ops",
                        "--leader-election-id=schemashift", "--metrics-bind-address=:9090",
                        "--health-probe-bind-address", "127.0.0.1:9091", "--workers=4",
                        "--log-level=debug", "--kubeconfig", "/tmp/kc"});
  ASSERT_EQ(p.outcome, ParsedFlags::kRun) << p.text;
  EXPECT_EQ(p.flags.watch_namespaces, std::vector<std::string>{"shop"});
  EXPECT_TRUE(p.flags.leader_elect);
  EXPECT_EQ(p.flags.leader_election_namespace, "ops");
  EXPECT_EQ(p.flags.leader_election_id, "schemashift");
  EXPECT_EQ(p.flags.metrics_addr, ":9090");
  EXPECT_EQ(p.flags.probe_addr, "127.0.0.1:9091");
  EXPECT_EQ(p.flags.workers, 4);
  EXPECT_EQ(p.flags.log_level, "debug");
  EXPECT_EQ(p.flags.kubeconfig, "/tmp/kc");
}

TEST(OperatorFlags, BoolFlagTakesTrueOrFalse) {
  EXPECT_TRUE(parse({"--leader-elect=true"}).flags.leader_elect);
  const auto off = parse({"--leader-elect=false"});
  ASSERT_EQ(off.outcome, ParsedFlags::kRun) << off.text;
  EXPECT_FALSE(off.flags.leader_elect);
  const auto bad = parse({"--leader-elect=maybe"});
  EXPECT_EQ(bad.outcome, ParsedFlags::kBadInput);
  EXPECT_NE(bad.text.find("--leader-elect: takes true or false"), std::string::npos) << bad.text;
}

TEST(OperatorFlags, BadValuesNameTheFlag) {
  for (const auto& [args, flag] : std::vector<std::pair<std::vector<const char*>, std::string>>{
           {{"--workers=many"}, "--workers"},
           {{"--workers=0"}, "--workers"},
           {{"--log-level=loud"}, "--log-level"},
           {{"--no-such-flag"}, "--no-such-flag"},
           {{"--namespace"}, "--namespace"}}) {
    const auto p = parse(args);
    EXPECT_EQ(p.outcome, ParsedFlags::kBadInput) << args[0];
    EXPECT_NE(p.text.find(flag), std::string::npos) << args[0] << ": " << p.text;
  }
}

TEST(OperatorFlags, HelpListsEveryFlag) {
  const auto p = parse({"--help"});
  ASSERT_EQ(p.outcome, ParsedFlags::kHelp);
  for (const char* flag :
       {"--kubeconfig", "--namespace", "--leader-elect", "--leader-election-namespace",
        "--leader-election-id", "--metrics-bind-address", "--health-probe-bind-address",
        "--workers", "--log-level", "--probe"}) {
    EXPECT_NE(p.text.find(flag), std::string::npos) << flag << "\n" << p.text;
  }
}

TEST(OperatorFlags, NamespacesComeCommaSeparatedOrRepeatedSortedOnce) {
  const auto p = parse({"--namespace=shop,billing", "--namespace", "ops", "--namespace=shop"});
  ASSERT_EQ(p.outcome, ParsedFlags::kRun) << p.text;
  EXPECT_EQ(p.flags.watch_namespaces, (std::vector<std::string>{"billing", "ops", "shop"}));
}

TEST(OperatorFlags, NoNamespaceOrAnEmptyOneWatchesAllNamespaces) {
  EXPECT_TRUE(parse({}).flags.watch_namespaces.empty());
  const auto p = parse({"--namespace="});
  ASSERT_EQ(p.outcome, ParsedFlags::kRun) << p.text;
  EXPECT_TRUE(p.flags.watch_namespaces.empty());
}

TEST(OperatorFlags, AStrayWordAfterANamespaceIsRefusedNotWatched) {
  EXPECT_EQ(parse({"--namespace", "shop", "billing"}).outcome, ParsedFlags::kBadInput);
}

TEST(OperatorFlags, ANamespaceThatIsNotADns1123LabelIsRefusedByName) {
  for (const char* bad : {"--namespace=shop,Billing", "--namespace=-ops", "--namespace=a_b"}) {
    const auto p = parse({bad});
    EXPECT_EQ(p.outcome, ParsedFlags::kBadInput) << bad;
    EXPECT_NE(p.text.find("--namespace"), std::string::npos) << p.text;
    EXPECT_NE(p.text.find("DNS-1123"), std::string::npos) << p.text;
  }
}

}  // namespace
