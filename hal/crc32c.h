// CRC-32C (Castagnoli), the frame check of the device link (DESIGN 3, docs/protocol.md):
// polynomial 0x1EDC6F41 (reflected 0x82F63B78), init and xorout 0xFFFFFFFF, input and
// output reflected; check value of "123456789" is 0xE3069283 (RFC 3720, appendix B.4).
#pragma once

#include <cstdint>
#include <span>

namespace rfneedle::hal {

// With the processor's CRC32 instruction where it has one (x86-64 SSE4.2), else bytewise.
[[nodiscard]] std::uint32_t crc32c(std::span<const std::uint8_t> bytes);
// The table-driven reference (Boost.CRC), one byte at a time: the same answer everywhere.
[[nodiscard]] std::uint32_t crc32c_bytewise(std::span<const std::uint8_t> bytes);

}  // namespace rfneedle::hal
