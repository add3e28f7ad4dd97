#include "wire_format.h"

#include <cstdio>

namespace schemashift::svc {

std::string frame(std::int32_t schema_id, std::string_view json) {
  std::string out;
  out.reserve(kWireHeaderSize + json.size());
  const auto id = static_cast<std::uint32_t>(schema_id);
  out.push_back(static_cast<char>(kMagicByte));
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((id >> shift) & 0xffu));
  out.append(json);
  return out;
}

Result<Framed, DecodeError> unframe(std::string_view bytes) {
  if (bytes.empty()) return fail(DecodeError{"empty message"});
  const auto magic = static_cast<unsigned char>(bytes[0]);
  if (magic != kMagicByte) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "bad magic byte 0x%02x", magic);
    return fail(DecodeError{buf});
  }
  if (bytes.size() < kWireHeaderSize)
    return fail(DecodeError{"message of " + std::to_string(bytes.size()) +
                            " bytes is shorter than the 5-byte header"});
  std::uint32_t id = 0;
  for (std::size_t i = 1; i < kWireHeaderSize; ++i)
    id = (id << 8) | static_cast<unsigned char>(bytes[i]);
  return Framed{static_cast<std::int32_t>(id), bytes.substr(kWireHeaderSize)};
}

}  // namespace schemashift::svc
