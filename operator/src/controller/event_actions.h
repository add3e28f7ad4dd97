// The registry's side of a migration (spec.events): the compatibility check that is part of
// its plan, and the registration of its schemas. A refusal is in the registry's own words; a
// registry that does not answer is retried, never taken as a verdict.
#pragma once

#include "migration/decide.h"
#include "migration/spec.h"

namespace schemashift::controller {

// Adds to a plan's outcome: the subject's level (outcome.compatibility) and, when the registry
// refuses the new schema or the subject has no version, findings that reject the plan. An
// unreachable registry makes the outcome a retriable failure.
void check_event_plan(const migration::EventsSpec& events, migration::Outcome& plan);

// kRegisterEventSchema: step 0 registers spec.events.schema (checked by the plan); step 1
// checks spec.events.contractSchema against the subject (then holding the new version) and
// registers it, or reports the registry's refusal in outcome.refused.
migration::Outcome register_event_schema(const migration::Action& action,
                                         const migration::EventsSpec& events);

}  // namespace schemashift::controller
