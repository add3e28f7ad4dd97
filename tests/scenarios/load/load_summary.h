// What a load run measured: per client its requests, errors (no answer, or a status other than
// the one expected) and wrong answers (the expected status with the wrong shape or value);
// latency percentiles from the scheduled start for all requests, writes and reads; the longest
// a scheduled write waited for its answer; and a per-second series for the pictures.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace schemashift::scenarios {

// One answered (or given-up) request.
struct Sample {
  double scheduled_s = 0;  // since the load started
  double latency_ms = 0;   // from the scheduled moment to the answer
  int client = 0;          // index into the summary's clients
  bool write = false, error = false, wrong = false;
};

struct Percentiles {
  double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
  std::int64_t count = 0;
};

struct ClientTally {
  std::string client, service, version;
  std::int64_t requests = 0, errors = 0, wrong = 0;
};

struct SecondSample {
  int second = 0;
  std::int64_t requests = 0, errors = 0, wrong = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;  // of the writes scheduled in that second
};

struct LoadSummary {
  std::vector<ClientTally> clients;
  Percentiles all, writes, reads;
  double longest_write_stall_ms = 0;
  std::vector<SecondSample> series;
  nlohmann::json to_json() const;
};

// Percentiles of `latencies_ms` (nearest rank); all zero when empty.
Percentiles percentiles(std::vector<double> latencies_ms);
// The summary of `samples` for clients named by `clients` (tallies start at zero).
LoadSummary summarize(const std::vector<Sample>& samples, std::vector<ClientTally> clients);
// header: second,requests,errors,wrong,p50_ms,p99_ms,max_ms
void write_series_csv(const LoadSummary& summary, const std::string& path);

}  // namespace schemashift::scenarios
