// The Confluent wire format of an event: byte 0 is the magic byte 0, bytes 1..4 the schema
// id in the registry (big-endian), then the payload (JSON here).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace schemashift::svc {

inline constexpr unsigned char kMagicByte = 0;
inline constexpr std::size_t kWireHeaderSize = 5;

// Why bytes are not a framed event, e.g. "bad magic byte 0x7b".
struct DecodeError {
  std::string reason;
};

std::string frame(std::int32_t schema_id, std::string_view json);

struct Framed {
  std::int32_t schema_id;
  std::string_view payload;  // a view into the bytes given to unframe()
};
Result<Framed, DecodeError> unframe(std::string_view bytes);

}  // namespace schemashift::svc
