// The standalone CLI's manifest: a file holding a whole SchemaMigration (apiVersion, kind,
// metadata, spec) or a bare spec (the mapping that would sit under `spec:`), read as the
// operator reads the resource. The migration's identity in the database comes from its name and
// namespace: the state row is keyed "namespace/name" as the operator keys it, and the UID is
// derived from them ("schemashift-cli:namespace/name"), so running the same file again resumes
// the same migration, and a resource the operator runs under that name is a different one.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "migration/spec.h"

namespace schemashift::standalone {

struct Manifest {
  nlohmann::json object;  // a SchemaMigration object, a bare spec wrapped into one
  std::string name, ns;
  std::string key() const { return ns + "/" + name; }  // the state row's name
  std::string uid() const { return "schemashift-cli:" + key(); }
};

// Reads `path` ("-": `in`). A bare spec takes its name from `name` or else the file's stem;
// `name`/`ns`, when given, replace the manifest's. Fails (the file, YAML or shape named) on
// input that is not one SchemaMigration.
Result<Manifest, std::string> read_manifest(const std::string& path, std::istream& in,
                                            const std::string& name = "",
                                            const std::string& ns = "");

// The spec as the engine reads it, plus what the standalone CLI cannot do: anything that needs
// Kubernetes (spec.api and its apiTraffic evidence, gates over a Deployment's pods, schemas from
// ConfigMaps), each named by its field path. The database is the --dsn, so spec.database may be
// left out.
Result<migration::MigrationSpec, std::vector<migration::FieldError>> read_spec(
    const Manifest& manifest);

}  // namespace schemashift::standalone
