// The boards' latched faults (proto/device.proto FaultCode; bit n of `latched_faults` is
// FaultCode n) on the ladder: a board limit that acted is the condition of the same
// hazard, with that condition's rung, alarm priority and clear policy (DESIGN 4,
// docs/safety.md section 4.1). So an E-stop latch is the operator-caused E-stop, never a
// fault counted toward escalation, and a dead-man latch is its own kind.
#pragma once

#include <bitset>
#include <cstdint>

#include "controller/core/ladder.h"

namespace rfneedle::core {

// The condition a latched FaultCode holds in effect. Codes no board documents (0, and
// above FAULT_INTERNAL) are a board fault: a latch the core cannot read has not cleared.
[[nodiscard]] Condition board_latch_condition(unsigned fault_code);

// The conditions `latched` holds in effect.
[[nodiscard]] std::bitset<kConditionCount> board_latch_conditions(std::uint32_t latched);

// The bits of `latched` whose conditions are in `conditions`.
[[nodiscard]] std::uint32_t board_latch_bits(std::uint32_t latched,
                                             const std::bitset<kConditionCount>& conditions);

}  // namespace rfneedle::core
