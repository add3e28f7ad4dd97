// The eight scenarios as the runner plays them (docs/scenarios.md, scenarios/NN-name/): which
// clients call during the change, what state the shop starts in, how the naive team ships
// the change, and how the rows and events are read back afterwards to judge them. The safe
// rollout itself is the scenario's own migration.yaml, unchanged but for the addresses of the
// shop it runs in (manifest_rewrite.h).
#pragma once

#include <string>
#include <vector>

#include "scenarios/load/load_generator.h"

namespace schemashift::scenarios {

// A flag row written in a service's database before the load starts: the shop as the earlier
// scenarios left it (scenario 7 needs fulfillment already on customers /v2, scenario 6's end).
struct PriorFlag {
  std::string service, key, value;
};

// One step of the naive change, `after_s` seconds after the change began: a SQL file of the
// scenario's folder run against a service's database (as psql -f would), or a rollout of the
// service built from the folder's naive.patch (`file` names the patch).
struct NaiveStep {
  enum class Kind { kSql, kPatchedImage };
  Kind kind = Kind::kSql;
  std::string service;
  std::string file;
  double after_s = 0;
};

// How the data is read back after a run, one query per judgement, per outcome (the schema
// differs after a contract, a rollback and a naive change).
struct ReadBack {
  std::string customer_name_sql;    // (id bigint, name text)
  std::string order_amount_sql;     // (id bigint, cents bigint)
  std::string customer_street_sql;  // (id bigint, street text): the address a shipment must carry
};

struct Scenario {
  int number = 0;
  std::string slug;       // "03-change-column-type"
  std::string title;      // "change-column-type"
  std::string migration;  // metadata.name of its migration.yaml
  std::vector<ClientPlan> clients;
  std::vector<PriorFlag> prior_flags;
  // A transaction holding ACCESS SHARE on this table ("" for none) for `blocker_s`, from just
  // before the change, in both runs: the long report the naive ALTER queues behind.
  std::string blocker_service, blocker_table;
  double blocker_s = 0;
  std::vector<NaiveStep> naive;
  double naive_observe_s = 15;  // the load keeps running this long after the last naive step
  ReadBack after_safe, after_rollback, after_naive;
  // Scenario 8: the contract's schema is incompatible under any level but NONE; the runner
  // plays the team that relaxes the subject once the operator stalls on it (and says so).
  bool relaxes_subject_for_contract = false;
};

// The eight, in order.
const std::vector<Scenario>& catalog();
// By number (1..8); throws std::out_of_range naming the number.
const Scenario& scenario(int number);

}  // namespace schemashift::scenarios
