#include "controller/gate_dispatch.h"

#include "gates/kafka_lag.h"
#include "gates/prometheus.h"
#include "gates/replica_lag.h"
#include "gates/web.h"

namespace schemashift::controller {

gates::Measurement GateDispatch::measure(pqxx::connection& conn, const gates::GateSpec& gate) {
  if (gate.provider == "postgresReplicaLag") return gates::measure_replica_lag(conn);
  if (gate.provider == "web") return gates::measure_web(gate.params);
  if (gate.provider == "kafkaConsumerLag") return gates::measure_kafka_lag(gate.params);
  if (gate.provider == "metrics") return metrics_.measure(gate.name, gate.params);
  if (gate.provider == "prometheus") return gates::measure_prometheus(gate.params);
  if (gate.provider == "apiTraffic") {
    std::vector<std::string> urls;
    for (const auto& u : gate.params.value("podUrls", nlohmann::json::array()))
      if (u.is_string()) urls.push_back(u.get<std::string>());
    return api_.measure(gate.name, urls, gate.params.value("oldVersion", "v1"));
  }
  if (gate.provider == "postgresStatements")
    return statements_.measure(conn, gate.name, gate.params);
  return {gates::MeasurementKind::kError, 0, "provider " + gate.provider + " is not available"};
}

}  // namespace schemashift::controller
