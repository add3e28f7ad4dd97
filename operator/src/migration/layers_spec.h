// The parts of a SchemaMigration's spec that say where and across which layers it runs:
// spec.database, spec.targets (roles, a database each), spec.api and spec.events. Every
// problem is reported by field path through the Reader.
#pragma once

#include "migration/spec.h"
#include "migration/spec_reader.h"

namespace schemashift::migration {

// spec.database (optional now): its secretRef and the timeouts.
void read_database(Reader& r, const json& s, MigrationSpec& spec);
// spec.targets[]: service, deployment, flagKey, roles, database.
void read_targets(Reader& r, const json& s, MigrationSpec& spec);
// spec.api and spec.events; called after the targets (they name them).
void read_api(Reader& r, const json& s, MigrationSpec& spec);
void read_events(Reader& r, const json& s, MigrationSpec& spec);
// What the layers need of each other: a database for SQL steps and for every target, a
// target serving spec.api, producers or consumers for spec.events.
void check_layers(Reader& r, const MigrationSpec& spec);

}  // namespace schemashift::migration
