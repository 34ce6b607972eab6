#include "controller/core/board_latches.h"

namespace rfneedle::core {

Condition board_latch_condition(unsigned fault_code) {
  switch (fault_code) {
    case 1:  // FAULT_DEAD_MAN: the controller or the link went quiet (SR-39)
      return Condition::kBoardDeadMan;
    case 2:  // FAULT_ESTOP: operator-caused (SR-50, SR-56)
      return Condition::kEStop;
    case 3:  // FAULT_OVER_TEMPERATURE: the heatsink cut-off (SR-20, SR-27)
      return Condition::kHeatsinkOverheat;
    case 4:  // FAULT_PULSE_TIME_CAP: the 1000 ms cap ended a pulse (SR-18)
      return Condition::kPulseTimeCap;
    case 5:  // FAULT_POWER_CEILING: output clamped, so off its set-point (SR-15, SR-17)
      return Condition::kPowerDeviation;
    case 6:  // FAULT_ENERGY_CAP: the pulse reached its energy cap (SR-16, SR-19)
      return Condition::kEnergyOverrun;
    case 7:  // FAULT_RELAY: the relay did not follow its command (SR-23)
      return Condition::kRelayFault;
    case 8:  // FAULT_RF_UNCOMMANDED (SR-21)
      return Condition::kRfUncommanded;
    case 9:  // FAULT_AT_DEPTH_LOST: the line dropped during a pulse (SR-08)
      return Condition::kAtDepthLost;
    case 10:  // FAULT_MOTOR_STALL (SR-31)
      return Condition::kMotorStall;
    case 11:  // FAULT_ENCODER (SR-31)
      return Condition::kEncoderMismatch;
    case 12:  // FAULT_RETRACT_JAM: the core's own retries then decide on NeedleStuck (SR-30)
      return Condition::kNotRetracted;
    case 15:  // FAULT_THERMISTOR: open or shorted, a sensor failure (SR-28)
      return Condition::kThermistorOutOfRange;
    default:
      // FAULT_CARTRIDGE (13), FAULT_REBOOT (14), FAULT_SUPPLY (16), FAULT_INTERNAL (17) and
      // any code no board documents: board hardware or firmware the core has no detector
      // of its own for, one kind together (SR-45).
      return Condition::kBoardFault;
  }
}

std::bitset<kConditionCount> board_latch_conditions(std::uint32_t latched) {
  std::bitset<kConditionCount> held;
  for (unsigned code = 0; code < 32; ++code) {
    if ((latched & (1u << code)) != 0) {
      held.set(index(board_latch_condition(code)));
    }
  }
  return held;
}

std::uint32_t board_latch_bits(std::uint32_t latched,
                               const std::bitset<kConditionCount>& conditions) {
  std::uint32_t bits = 0;
  for (unsigned code = 0; code < 32; ++code) {
    const std::uint32_t bit = 1u << code;
    if ((latched & bit) != 0 && conditions[index(board_latch_condition(code))]) {
      bits |= bit;
    }
  }
  return bits;
}

}  // namespace rfneedle::core
