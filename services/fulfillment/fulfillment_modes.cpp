#include "fulfillment_modes.h"

namespace schemashift::fulfillment {

using svc::FlagMode;

void know_fulfillment_flags(svc::Flags& flags) {
  flags.know(kCustomersApiFlag);
  flags.know(kOrderEventsFlag);
}

CustomersApi customers_api_for(FlagMode mode) {
  return svc::reads_new(mode) ? CustomersApi::kV2 : CustomersApi::kV1;
}

svc::TotalSource total_source_for(FlagMode mode) {
  switch (mode) {
    case FlagMode::kOld:
      return svc::TotalSource::kTotal;
    case FlagMode::kDualWrite:
    case FlagMode::kReadNew:
      return svc::TotalSource::kPreferCents;
    case FlagMode::kNew:
      return svc::TotalSource::kRequireCents;
  }
  return svc::TotalSource::kTotal;
}

}  // namespace schemashift::fulfillment
