#include "order_modes.h"

#include "baseline_schema.h"

namespace schemashift::orders {

using svc::FlagMode;

OrderModes current_modes(const svc::Flags& flags) {
  return {flags.mode(kMetadataFlag), flags.mode(kAmountFlag), flags.mode(kEventVersionFlag)};
}

int event_version_for(FlagMode mode) {
  switch (mode) {
    case FlagMode::kOld:
      return 1;
    case FlagMode::kDualWrite:
    case FlagMode::kReadNew:
      return 2;
    case FlagMode::kNew:
      return 3;
  }
  return 1;
}

namespace {
svc::Flags::Precondition needs_column(svc::PgPool& pool, std::string column) {
  return [&pool, column](FlagMode mode) -> std::optional<std::string> {
    if (mode == FlagMode::kOld) return std::nullopt;
    const bool exists = svc::with_transaction(
        pool, [&](pqxx::work& tx) { return svc::column_exists(tx, "orders", column); });
    if (exists) return std::nullopt;
    return "column orders." + column + " does not exist";
  };
}
}  // namespace

void know_order_flags(svc::Flags& flags, svc::PgPool& pool, svc::RegisteredSchemas& schemas) {
  flags.know(kMetadataFlag, needs_column(pool, "metadata"));
  flags.know(kAmountFlag, needs_column(pool, "amount"));
  flags.know(kEventVersionFlag, [&schemas](FlagMode mode) -> std::optional<std::string> {
    auto id = schemas.id_of(event_version_for(mode));
    if (id) return std::nullopt;
    return "OrderCreated v" + std::to_string(event_version_for(mode)) +
           " is not registered: " + id.error().message;
  });
}

}  // namespace schemashift::orders
