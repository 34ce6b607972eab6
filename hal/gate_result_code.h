// BoardGate's verdicts as device.proto result codes, for every board implementation that
// answers a DeliverPulse with a CommandResult.
#pragma once

#include "hal/board_gate.h"
#include "proto/device.pb.h"

namespace rfneedle::hal {

[[nodiscard]] constexpr device::ResultCode to_result_code(GateResult result) {
  switch (result) {
    case GateResult::kOk:
      return device::RESULT_OK;
    case GateResult::kExpired:
      return device::RESULT_EXPIRED;
    case GateResult::kOldEpoch:
      return device::RESULT_OLD_EPOCH;
    case GateResult::kRfNotPermitted:
      return device::RESULT_RF_NOT_PERMITTED;
    case GateResult::kDuplicatePulseId:
      return device::RESULT_DUPLICATE_PULSE_ID;
    case GateResult::kDeadManLatched:
      return device::RESULT_LATCHED;
  }
  return device::RESULT_UNSPECIFIED;
}

}  // namespace rfneedle::hal
