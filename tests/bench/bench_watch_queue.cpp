// B9 (benchmarks.md): watch events decoded and queued per second, divided by a bare JSON
// parse of the same events measured in the same run (interleaved, 5 trials); and work-queue
// latency (ready -> handed to a worker) at 1,000 events/s.
#include <chrono>
#include <cstdio>
#include <thread>

#include "bench_report.h"
#include "kube/watch_decoder.h"
#include "runtime/informer.h"
#include "runtime/work_queue.h"

namespace {

using namespace schemashift;
using Clock = std::chrono::steady_clock;

// A realistic SchemaMigration watch event, ~1.3 KB.
std::string event_line(int i) {
  nlohmann::json obj = {
      {"apiVersion", "schemashift.io/v1alpha1"},
      {"kind", "SchemaMigration"},
      {"metadata",
       {{"name", "migration-" + std::to_string(i)},
        {"namespace", "team-" + std::to_string(i % 20)},
        {"uid", "5d9c2c8e-1f0b-4c2e-9a7d-" + std::to_string(100000000000 + i)},
        {"resourceVersion", std::to_string(1000 + i)},
        {"generation", 3},
        {"labels",
         {{"app.kubernetes.io/part-of", "orders"},
          {"schemashift.io/scenario", "change-column-type"}}}}},
      {"spec",
       {{"database",
         {{"secretRef", {{"name", "orders-db"}, {"key", "dsn"}}}, {"lockTimeout", "100ms"}}},
        {"expand", {{"sql", {"ALTER TABLE orders ADD COLUMN IF NOT EXISTS amount numeric(12,2)"}}}},
        {"backfill",
         {{"table", "orders"},
          {"keyColumn", "id"},
          {"set", "amount = amount_cents / 100.0"},
          {"pendingWhere", "amount IS NULL"},
          {"targetBatchDuration", "200ms"}}},
        {"contract",
         {{"sql", {"ALTER TABLE orders DROP COLUMN amount_cents"}}, {"approval", "Manual"}}}}},
      {"status",
       {{"phase", "Backfilling"},
        {"observedGeneration", 3},
        {"conditions",
         {{{"type", "Ready"},
           {"status", "False"},
           {"reason", "Backfilling"},
           {"message", "412000 of 1000000 rows"}},
          {{"type", "Reconciling"},
           {"status", "True"},
           {"reason", "Backfilling"},
           {"message", "batch 4120"}}}},
        {"backfill", {{"rowsDone", 412000}, {"rowsEstimated", 1000000}, {"batchSize", 1000}}}}}};
  return nlohmann::json({{"type", "MODIFIED"}, {"object", obj}}).dump() + "\n";
}

double bare_parse(const std::vector<std::string>& lines) {
  const auto t0 = Clock::now();
  std::size_t sink = 0;
  for (const auto& l : lines) sink += nlohmann::json::parse(l).size();
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (sink == 0) std::puts("");
  return static_cast<double>(lines.size()) / s;
}

double decode_and_queue(const std::string& stream, std::size_t n) {
  kube::WatchDecoder decoder;
  runtime::WorkQueue queue;
  const auto t0 = Clock::now();
  constexpr std::size_t kChunk = 16 * 1024;  // as TLS records arrive
  for (std::size_t off = 0; off < stream.size(); off += kChunk) {
    decoder.feed(std::string_view(stream).substr(off, kChunk), [&](kube::WatchEvent&& ev) {
      queue.add(runtime::object_key(ev.object));
      return true;
    });
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (decoder.events() != n)
    std::fprintf(stderr, "decoded %zu of %zu events\n", decoder.events(), n);
  return static_cast<double>(n) / s;
}

// Adds distinct keys at `rate` per second for `seconds`; one worker takes them. Returns the
// queue latencies (ms) the queue reports.
std::vector<double> queue_latency(int rate, int seconds) {
  runtime::WorkQueue queue;
  std::vector<double> lat;
  std::thread worker([&] {
    runtime::Clock::duration waited{};
    while (auto k = queue.get(&waited)) {
      lat.push_back(std::chrono::duration<double, std::milli>(waited).count());
      queue.done(*k);
    }
  });
  const auto start = Clock::now();
  const int total = rate * seconds;
  for (int i = 0; i < total; ++i) {  // open loop: each add at its scheduled time
    std::this_thread::sleep_until(start + std::chrono::microseconds(1000000LL * i / rate));
    queue.add("ns/m-" + std::to_string(i));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  queue.shut_down();
  worker.join();
  return lat;
}

}  // namespace

int main(int argc, char** argv) {
  constexpr int kEvents = 20000, kTrials = 5;
  std::vector<std::string> lines;
  std::string stream;
  for (int i = 0; i < kEvents; ++i) {
    lines.push_back(event_line(i));
    stream += lines.back();
  }
  std::vector<double> baseline, contender, ratio;
  for (int t = 0; t < kTrials; ++t) {  // interleaved, so drift hits both alike
    double b = bare_parse(lines);
    double c = decode_and_queue(stream, kEvents);
    baseline.push_back(b);
    contender.push_back(c);
    ratio.push_back(c / b);
  }
  auto lat = queue_latency(1000, 5);
  std::sort(lat.begin(), lat.end());
  const double p50 = lat[lat.size() / 2], p99 = lat[lat.size() * 99 / 100], max = lat.back();

  const auto r = bench::Stat::of(ratio);
  std::printf(
      "B9 watch decode+queue: %.0f events/s vs bare JSON parse %.0f events/s (%d events of %zu "
      "bytes)\n",
      bench::Stat::of(contender).median, bench::Stat::of(baseline).median, kEvents,
      lines[0].size());
  std::printf(
      "B9 ratio decode+queue / bare parse: median %.2f (min %.2f, max %.2f) over %d trials; target "
      ">= 0.5\n",
      r.median, r.min, r.max, kTrials);
  std::printf(
      "B9 queue latency at 1000 events/s: p50 %.3f ms, p99 %.3f ms, max %.3f ms; target p99 <= 10 "
      "ms\n",
      p50, p99, max);
  nlohmann::json report = {{"id", "B9"},
                           {"name", "watch and queue"},
                           {"events", kEvents},
                           {"event_bytes", lines[0].size()},
                           {"trials", kTrials},
                           {"baseline_bare_parse_events_per_s", bench::Stat::of(baseline).json()},
                           {"decode_and_queue_events_per_s", bench::Stat::of(contender).json()},
                           {"ratio", r.json()},
                           {"ratio_target_min", 0.5},
                           {"queue_latency_ms_at_1000_per_s",
                            {{"p50", p50}, {"p99", p99}, {"max", max}, {"samples", lat.size()}}},
                           {"queue_latency_p99_target_ms", 10},
                           {"meets_targets", r.median >= 0.5 && p99 <= 10}};
  bench::write_report(bench::out_dir(argc, argv), "B9", report);
  return bench::verdict("B9", report);
}
