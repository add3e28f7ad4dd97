// The service image a naive change ships when the change is code (build_naive_image.sh).
#pragma once

#include <string>

namespace schemashift::scenarios {

// Builds and imports the image; returns its tag ("naive-06"). Throws with the build's output.
std::string build_naive_image(const std::string& source_dir, const std::string& build_dir,
                              const std::string& slug, const std::string& patch,
                              const std::string& service);

}  // namespace schemashift::scenarios
