#include "processed_events.h"

namespace schemashift::svc {

bool first_delivery(pqxx::work& tx, const std::string& event_id) {
  const auto r = tx.exec_params(
      "INSERT INTO processed_events (event_id) VALUES ($1) ON CONFLICT (event_id) DO NOTHING "
      "RETURNING 1",
      event_id);
  return !r.empty();
}

}  // namespace schemashift::svc
