// The preferred language a customer gets when no one said (scenario 2: dual-write fills the
// new column from the body, else from the country, as the backfill does).
#pragma once

#include <optional>
#include <string>

namespace schemashift::customers {

// The main language of an ISO 3166 country ("DE" -> "de"); "en" when unknown or absent.
std::string language_for_country(const std::optional<std::string>& country);

}  // namespace schemashift::customers
