// Gate measurements by provider: the one place that knows which provider reads what. Providers
// with state between measurements (metrics: the previous scrape; postgresStatements: the
// previous counters) keep it here, one dispatcher per migration.
#pragma once

#include <pqxx/pqxx>

#include "gates/api_traffic.h"
#include "gates/gate.h"
#include "gates/metrics_gate.h"
#include "gates/pg_statements.h"

namespace schemashift::controller {

class GateDispatch {
 public:
  // One measurement of `gate`; `conn` is the migration's database (for the providers that read
  // it). Unknown providers measure as errors.
  // apiTraffic (spec.api) reads gate.params["podUrls"], which the reconciler fills in from the
  // API's Deployment before each measurement.
  gates::Measurement measure(pqxx::connection& conn, const gates::GateSpec& gate);
  // spec.api's old-version use per client since its gate's baseline.
  std::vector<gates::ClientRequests> api_clients(const std::string& gate) const {
    return api_.per_client(gate);
  }

 private:
  gates::ApiTrafficProvider api_;
  gates::MetricsProvider metrics_;
  gates::StatementsProvider statements_;
};

}  // namespace schemashift::controller
