#include "controller/event_actions.h"

#include "events/event_check.h"
#include "events/schema_registry.h"
#include "events/upgrade_order.h"

namespace schemashift::controller {

namespace {

std::string words(const std::vector<std::string>& messages) {
  std::string out;
  for (const auto& m : messages) out += (out.empty() ? "" : "; ") + m;
  return out.empty() ? "the registry gave no reason" : out;
}

}  // namespace

void check_event_plan(const migration::EventsSpec& ev, migration::Outcome& plan) {
  if (!plan.ok) return;
  events::SchemaRegistry registry(ev.registry_url);
  auto check = events::check_event_schema(registry, ev.subject, ev.schema.schema);
  if (!check) {
    if (check.error().retriable()) {
      plan.ok = false;
      plan.retriable = true;
      plan.error = "schema registry " + registry.url() + ": " + check.error().message;
    } else {
      plan.findings.push_back("spec.events.schema: " + check.error().message);
    }
    return;
  }
  plan.compatibility = check->level;
  if (auto order = events::upgrade_order(check->level); !order) {
    plan.findings.push_back("spec.events: subject " + ev.subject + ": " + order.error());
    return;
  }
  if (!check->compatible) {
    plan.findings.push_back("spec.events.schema: the registry refuses it for subject " +
                            ev.subject + " under " + check->level + ": " + words(check->messages));
  }
}

migration::Outcome register_event_schema(const migration::Action& a,
                                         const migration::EventsSpec& ev) {
  migration::Outcome o{a};
  events::SchemaRegistry registry(ev.registry_url);
  const bool contract = a.step == 1;
  const auto& schema =
      contract && ev.contract_schema ? ev.contract_schema->schema : ev.schema.schema;
  if (contract) {
    auto check = events::check_event_schema(registry, ev.subject, schema);
    if (!check) {
      if (check.error().retriable()) {
        o.error = "schema registry " + registry.url() + ": " + check.error().message;
        return o;
      }
      o.ok = true;
      o.refused = check.error().message;
      return o;
    }
    if (!check->compatible) {
      o.ok = true;
      o.refused = "under " + check->level + ": " + words(check->messages);
      return o;
    }
  }
  auto id = events::register_event_schema(registry, ev.subject, schema);
  if (!id) {
    if (contract && !id.error().retriable()) {
      o.ok = true;
      o.refused = id.error().message;
      return o;
    }
    o.retriable = id.error().retriable();
    o.error = "registering " +
              std::string(contract ? "spec.events.contractSchema" : "spec.events.schema") +
              " under subject " + ev.subject + ": " + id.error().message;
    return o;
  }
  o.ok = true;
  o.schema_id = *id;
  return o;
}

}  // namespace schemashift::controller
