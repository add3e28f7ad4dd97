// The local stack's connection facts for integration tests: read from the env file that
// hack/stack.sh writes (path in $SCHEMASHIFT_STACK_ENV). A missing file or variable is a
// setup bug, so it throws and fails the test loudly; it never skips.
#pragma once

#include <string>

namespace schemashift::testing {

// The value of `key` (e.g. "PG_PRIMARY_DSN", "KAFKA_BOOTSTRAP").
std::string stack_var(const std::string& key);

// A short random suffix for names that must not collide between runs.
std::string unique_suffix();

}  // namespace schemashift::testing
