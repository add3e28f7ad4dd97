#include "gates/gate.h"
#include "gates/gate_params.h"

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

GateSpec evidence_gate() {
  GateSpec g;
  g.name = "old-column-readers";
  g.provider = "postgresStatements";
  g.action = GateAction::kEvidence;
  g.max = 0;
  g.window = std::chrono::milliseconds(10000);
  g.count = 3;
  return g;
}

Evaluation at(const GateSpec& g, GateState& s, Measurement m, std::int64_t ms) {
  auto e = evaluate(g, s, m, "t", ms);
  s = e.state;
  return e;
}

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

TEST(Gate, AProviderErroringFourTimesInARowFailsTheGate) {
  GateSpec g = slo_gate();
  GateState s;
  step(g, s, value(0));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(step(g, s, {MeasurementKind::kError, 0, "timeout"}).verdict, Verdict::kPass) << i;
  }
  EXPECT_EQ(step(g, s, {MeasurementKind::kError, 0, "timeout"}).verdict, Verdict::kAbort);
  EXPECT_EQ(s.phase, "Error");
  EXPECT_EQ(s.consecutive_errors, 4) << "consecutiveErrorLimit defaults to 4";
  GateState u;
  step(g, u, {MeasurementKind::kError});
  step(g, u, value(0));
  EXPECT_EQ(u.consecutive_errors, 0) << "a good measurement resets the run of errors";
}

TEST(Gate, AGateThatNeverAnsweredHoldsUntilItsFirstReading) {
  // C7 (docs/reliability.md): a source down from the start is no reason to proceed. Below
  // the error limit the gate stays Pending, which pauses; it never passes unseen.
  for (const GateSpec& g : {lag_gate(), slo_gate()}) {
    GateState s;
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(step(g, s, {MeasurementKind::kError, 0, "connection refused"}).verdict,
                Verdict::kPause)
          << g.name << " error " << i;
      EXPECT_EQ(s.phase, "Pending") << g.name;
    }
    EXPECT_NE(step(g, s, {MeasurementKind::kError, 0, "connection refused"}).verdict,
              Verdict::kPass)
        << g.name << ": at the limit the gate is in Error";
    EXPECT_EQ(s.phase, "Error") << g.name;
    GateState t;
    step(g, t, {MeasurementKind::kError, 0, "connection refused"});
    EXPECT_EQ(step(g, t, value(0)).verdict, Verdict::kPass) << g.name << ": a good reading passes";
  }
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

TEST(Gate, EvidenceNeedsACleanWindowAndCountInARowAndAnyReaderStartsItOver) {
  GateSpec g = evidence_gate();
  GateState s;
  const Measurement baseline{MeasurementKind::kNoData, 0, "baseline"};
  EXPECT_EQ(at(g, s, baseline, 0).verdict, Verdict::kAwaitEvidence) << "no data is no evidence";
  EXPECT_EQ(s.phase, "Inconclusive");
  EXPECT_EQ(at(g, s, value(0), 1000).verdict, Verdict::kAwaitEvidence);
  EXPECT_EQ(s.phase, "Gathering");
  EXPECT_EQ(at(g, s, value(0), 6000).verdict, Verdict::kAwaitEvidence);
  EXPECT_EQ(at(g, s, value(2), 8000).verdict, Verdict::kAwaitEvidence) << "a reader came back";
  EXPECT_EQ(s.phase, "Waiting");
  EXPECT_EQ(s.clean_streak, 0);
  EXPECT_EQ(at(g, s, value(0), 9000).verdict, Verdict::kAwaitEvidence);
  EXPECT_EQ(at(g, s, value(0), 19000).verdict, Verdict::kAwaitEvidence)
      << "10 s have passed, but only 2 clean readings of the 3 required";
  EXPECT_EQ(at(g, s, value(0), 19500).verdict, Verdict::kPass);
  EXPECT_EQ(s.phase, "Satisfied");
  EXPECT_TRUE(measuring(g, s)) << "evidence is re-checked while contract waits";
  EXPECT_EQ(at(g, s, value(1), 20000).verdict, Verdict::kAwaitEvidence);
  EXPECT_EQ(standing_verdict(g, s), Verdict::kAwaitEvidence);
}

TEST(Gate, EvidenceNeverPassesOnErrorsAndDryRunNeverHolds) {
  GateSpec g = evidence_gate();
  g.count = 1;
  g.window = std::chrono::milliseconds(0);
  GateState s;
  const Measurement err{MeasurementKind::kError, 0, "pg_stat_statements is not installed"};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(at(g, s, err, i).verdict, Verdict::kAwaitEvidence);
  EXPECT_EQ(s.phase, "Error");
  EXPECT_EQ(at(g, s, value(0), 10).verdict, Verdict::kPass);
  g.dry_run = true;
  GateState d;
  EXPECT_EQ(at(g, d, value(5), 0).verdict, Verdict::kPass);
  EXPECT_EQ(d.phase, "Waiting") << "judged and recorded all the same";
}

TEST(Gate, CountEndsAGateAfterThatManyMeasurementsUnlessItFailed) {
  GateSpec g = slo_gate();
  g.count = 3;
  g.failure_limit = 1;
  GateState s;
  step(g, s, value(0.001));
  EXPECT_TRUE(measuring(g, s));
  step(g, s, value(0.05));
  EXPECT_EQ(step(g, s, value(0.001)).verdict, Verdict::kPass);
  EXPECT_EQ(s.phase, "Successful") << "1 failure within failureLimit 1 after 3 measurements";
  EXPECT_FALSE(measuring(g, s));

  GateState f;
  step(g, f, value(0.05));
  step(g, f, value(0.05));
  EXPECT_EQ(step(g, f, value(0.001)).verdict, Verdict::kAbort);
  EXPECT_EQ(f.phase, "Failed");
  EXPECT_FALSE(measuring(g, f)) << "count reached: measuring stops, the failure stands";

  GateSpec lag = lag_gate();
  lag.count = 2;
  GateState l;
  step(lag, l, value(5000));
  EXPECT_EQ(step(lag, l, value(5000)).verdict, Verdict::kPass)
      << "a throttle gate that has run its count stops holding the backfill";
  EXPECT_EQ(l.phase, "Successful");
}

TEST(Gate, ParsingEvidenceAndPrometheusGates) {
  std::vector<std::string> errors;
  auto gates = parse_gates(nlohmann::json::parse(R"json([
      {"name": "readers", "provider": "postgresStatements", "pattern": "\\mtotal_cents\\M", "windowSeconds": 30, "count": 5},
      {"name": "v1", "provider": "metrics", "url": "http://127.0.0.1:9", "counter": "http_requests_total{version=\"v1\"}", "action": "Evidence", "windowSeconds": 60},
      {"name": "errs", "provider": "prometheus", "address": "http://127.0.0.1:9090", "query": "max(rate(errors_total[1m]))", "max": 0.01},
      {"name": "bad1", "provider": "postgresStatements"},
      {"name": "bad2", "provider": "prometheus", "address": "127.0.0.1:9090", "max": 1},
      {"name": "bad3", "provider": "postgresReplicaLag", "windowSeconds": 5, "action": "Sometimes"},
      {"name": "bad4", "provider": "metrics", "url": "http://x", "counter": "a", "histogram": "b", "max": 1}])json"),
                           errors);
  ASSERT_GE(gates.size(), 3u);
  EXPECT_EQ(gates[0].action, GateAction::kEvidence) << "statement evidence holds contract";
  EXPECT_EQ(gates[0].window.count(), 30000);
  EXPECT_EQ(gates[0].count, 5);
  EXPECT_EQ(gates[0].max, 0) << "evidence means none";
  EXPECT_EQ(gates[1].action, GateAction::kEvidence);
  EXPECT_EQ(gates[2].action, GateAction::kAbort) << "a Prometheus SLO aborts";
  const std::vector<std::string> want = {
      "spec.gates[3].pattern: a regular expression",
      "spec.gates[4].address: the Prometheus server's",
      "spec.gates[4].query: a PromQL query is required",
      "spec.gates[5].action: must be Throttle, Abort or Evidence",
      "spec.gates[5].windowSeconds: only evidence gates",
      "spec.gates[6]: give one of errors and total"};
  ASSERT_EQ(errors.size(), want.size()) << nlohmann::json(errors).dump(1);
  for (std::size_t i = 0; i < want.size(); ++i)
    EXPECT_EQ(errors[i].rfind(want[i], 0), 0u) << errors[i];
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
