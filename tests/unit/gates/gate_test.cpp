#include "gates/gate.h"

#include <gtest/gtest.h>

namespace {

using namespace schemashift::gates;

GateSpec lag_gate() {
  GateSpec g;
  g.name = "replica-lag";
  g.provider = "postgresReplicaLag";
  g.action = GateAction::kThrottle;
  g.max = 1000;
  return g;
}

GateSpec slo_gate() {
  GateSpec g = lag_gate();
  g.name = "error-ratio";
  g.action = GateAction::kAbort;
  g.max = 0.01;
  g.failure_limit = 1;
  return g;
}

Evaluation step(const GateSpec& g, GateState& s, Measurement m) {
  auto e = evaluate(g, s, m, "t", 1);
  s = e.state;
  return e;
}

Measurement value(double v) { return {MeasurementKind::kValue, v, "v=" + std::to_string(v)}; }

TEST(Gate, AThrottleGateHoldsOverTheLimitAndReleasesOnlyUnderTheResumeLevel) {
  GateSpec g = lag_gate();
  GateState s;
  EXPECT_EQ(step(g, s, value(500)).verdict, Verdict::kPass);
  EXPECT_EQ(step(g, s, value(1500)).verdict, Verdict::kThrottle);
  EXPECT_EQ(step(g, s, value(900)).verdict, Verdict::kThrottle)
      << "under the limit but above the resume level";
  EXPECT_EQ(s.phase, "Throttling");
  EXPECT_EQ(step(g, s, value(800)).verdict, Verdict::kPass);
  EXPECT_EQ(step(g, s, value(950)).verdict, Verdict::kPass)
      << "no flapping: released until over the limit again";
  EXPECT_EQ(s.successes, 3);
  EXPECT_EQ(s.failures, 2);
}

TEST(Gate, AnAbortGateAbortsOncePastItsFailureLimitAndStaysFailed) {
  GateSpec g = slo_gate();
  GateState s;
  EXPECT_EQ(step(g, s, value(0.05)).verdict, Verdict::kPass)
      << "one failure is within failureLimit 1";
  EXPECT_EQ(step(g, s, value(0.05)).verdict, Verdict::kAbort);
  EXPECT_EQ(s.phase, "Failed");
  EXPECT_EQ(step(g, s, value(0.0)).verdict, Verdict::kAbort)
      << "a failed SLO gate does not heal by itself";
}

TEST(Gate, NoDataPausesByDefaultAndNeverPasses) {
  GateSpec g = lag_gate();
  GateState s;
  EXPECT_EQ(standing_verdict(g, s), Verdict::kPause) << "not measured yet";
  EXPECT_EQ(step(g, s, {MeasurementKind::kNoData, 0, "no streaming replica"}).verdict,
            Verdict::kPause);
  EXPECT_EQ(s.phase, "Inconclusive");
  g.no_data = NoDataPolicy::kFail;
  GateState t;
  EXPECT_EQ(step(g, t, {MeasurementKind::kNoData}).verdict, Verdict::kThrottle);
  EXPECT_EQ(t.phase, "Failed");
}

TEST(Gate, AProviderErroringMoreThanTheLimitInARowFailsTheGate) {
  GateSpec g = slo_gate();
  GateState s;
  step(g, s, value(0));
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(step(g, s, {MeasurementKind::kError, 0, "timeout"}).verdict, Verdict::kPass) << i;
  }
  EXPECT_EQ(step(g, s, {MeasurementKind::kError, 0, "timeout"}).verdict, Verdict::kAbort);
  EXPECT_EQ(s.phase, "Error");
  EXPECT_EQ(s.consecutive_errors, 5);
  GateState u;
  step(g, u, {MeasurementKind::kError});
  step(g, u, value(0));
  EXPECT_EQ(u.consecutive_errors, 0) << "a good measurement resets the run of errors";
}

TEST(Gate, DryRunJudgesAndRecordsButNeverActs) {
  GateSpec g = slo_gate();
  g.dry_run = true;
  GateState s;
  step(g, s, value(1));
  EXPECT_EQ(step(g, s, value(1)).verdict, Verdict::kPass);
  EXPECT_EQ(s.phase, "Failed");
}

TEST(Gate, StateSurvivesAJsonRoundTrip) {
  GateSpec g = lag_gate();
  GateState s;
  step(g, s, value(2000));
  EXPECT_EQ(GateState::from_json(s.to_json()).to_json(), s.to_json());
}

TEST(Gate, ParsingNamesBadFields) {
  std::vector<std::string> errors;
  auto gates = parse_gates(nlohmann::json::parse(R"json([
      {"name": "lag", "provider": "postgresReplicaLag", "maxLagBytes": 1048576, "intervalSeconds": 0.5},
      {"name": "x", "provider": "carrierPigeon"},
      {"name": "slo", "provider": "web", "url": "http://127.0.0.1:9/slo", "jsonPath": "errorRatio", "max": 0.05},
      {"name": "y", "provider": "postgresReplicaLag", "inconclusive": "Pass"}])json"),
                           errors);
  ASSERT_EQ(gates.size(), 3u);
  EXPECT_EQ(gates[0].max, 1048576);
  EXPECT_EQ(gates[0].action, GateAction::kThrottle) << "lag gates throttle";
  EXPECT_EQ(gates[1].action, GateAction::kAbort) << "SLO gates abort";
  EXPECT_EQ(gates[0].interval.count(), 500);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("spec.gates[1].provider"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("spec.gates[3].inconclusive: must be Pause or Fail"), std::string::npos)
      << errors[1];
}

}  // namespace
