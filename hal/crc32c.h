// CRC-32C (Castagnoli), the frame check of the device link (DESIGN 3, docs/protocol.md):
// polynomial 0x1EDC6F41 (reflected 0x82F63B78), init and xorout 0xFFFFFFFF, input and
// output reflected; check value of "123456789" is 0xE3069283 (RFC 3720, appendix B.4).
#pragma once

#include <cstdint>
#include <span>

namespace rfneedle::hal {

[[nodiscard]] std::uint32_t crc32c(std::span<const std::uint8_t> bytes);

}  // namespace rfneedle::hal
