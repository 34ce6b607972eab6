// The actuator's cartridge memory (read, bind to a session, consume a pulse: SR-62) and
// the calibration fixture's reference meter (FixtureMeasure, SR-66), with the cartridge
// presence events.
#include <algorithm>
#include <string>

#include "simulator/firmware/actuator_firmware.h"
#include "simulator/firmware/wire_ranges.h"

namespace rfneedle::sim {
namespace {

using device::ResultCode;

const char* type_id(CartridgeType type) {
  switch (type) {
    case CartridgeType::kFace:
      return "face";
    case CartridgeType::kBody:
      return "body";
    case CartridgeType::kCalibrationFixture:
      return "fixture";
  }
  return "";
}

void fill_cartridge(const CartridgeMemory& memory, device::CartridgeInfo& info) {
  info.set_type_id(type_id(memory.type));
  info.set_needle_count(static_cast<std::uint32_t>(std::max(memory.needle_count, 0)));
  info.set_max_depth_um(static_cast<std::uint32_t>(memory.max_depth.value()));
  info.set_pulse_limit(std::min<std::uint32_t>(memory.pulse_limit, 100'000));
  info.set_pulses_used(std::min<std::uint32_t>(memory.pulses_used, 100'000));
  info.set_expiry_unix_days(static_cast<std::uint32_t>(
      std::clamp<long>(memory.expiry.time_since_epoch().count(), 0, 65'535)));
  info.set_bound_session_id(memory.bound_session);
  info.set_serial_number(std::to_string(memory.serial));
  info.set_calibration_fixture(memory.type == CartridgeType::kCalibrationFixture);
  info.set_meter_due_unix_days(static_cast<std::uint32_t>(
      std::clamp<long>(memory.meter_due.time_since_epoch().count(), 0, 65'535)));
}

ResultCode to_result(CartridgeResult result) {
  switch (result) {
    case CartridgeResult::kOk:
      return device::RESULT_OK;
    case CartridgeResult::kMissing:
      return device::RESULT_NO_CARTRIDGE;
    case CartridgeResult::kBoundToAnotherSession:
    case CartridgeResult::kNotBound:
      // device.proto has no code of its own for "bound to no session": the binding refuses
      // the command either way (docs/protocol.md 6.9).
      return device::RESULT_CARTRIDGE_BOUND;
    case CartridgeResult::kPulseLimitReached:
      return device::RESULT_CARTRIDGE_AT_LIMIT;
    case CartridgeResult::kExpired:
      return device::RESULT_CARTRIDGE_EXPIRED;
  }
  return device::RESULT_NO_CARTRIDGE;
}

}  // namespace

ResultCode ActuatorFirmware::take_date(std::uint32_t today_unix_days) {
  if (!within<std::uint32_t>(today_unix_days, 1, 65'535)) {
    return device::RESULT_OUT_OF_RANGE;
  }
  const std::chrono::sys_days given{std::chrono::days{today_unix_days}};
  const std::optional<CartridgeMemory> memory = hw_.cartridge.read();
  if (memory && memory->bound_session != 0 && given < memory->bound_on) {
    // A clock set back cannot revive an expired cartridge (SR-62).
    return device::RESULT_OUT_OF_RANGE;
  }
  memory_.latest_date = std::max(memory_.latest_date, given);
  return device::RESULT_OK;
}

std::chrono::sys_days ActuatorFirmware::today() const {
  const std::optional<CartridgeMemory> memory = hw_.cartridge.read();
  return memory ? std::max(memory_.latest_date, memory->bound_on) : memory_.latest_date;
}

ResultCode ActuatorFirmware::cartridge_ready_for_insert() const {
  return to_result(hw_.cartridge.ready_for_pulse(today()));
}

void ActuatorFirmware::answer_cartridge(std::uint32_t command_id,
                                        const device::ActuatorCommand& command) {
  CartridgeResult result = CartridgeResult::kOk;
  if (command.has_cartridge_bind()) {
    const device::CartridgeBind& bind = command.cartridge_bind();
    const ResultCode date =
        bind.session_id() == 0 ? device::RESULT_OUT_OF_RANGE : take_date(bind.today_unix_days());
    if (date != device::RESULT_OK) {
      answer(command_id, date);
      return;
    }
    result = hw_.cartridge.bind(bind.session_id(), today());  // SR-62
  } else if (command.has_cartridge_consume()) {
    const device::CartridgeConsume& consume = command.cartridge_consume();
    const ResultCode date = !within<std::uint64_t>(consume.pulse_id(), 1, kMaxPulseId)
                                ? device::RESULT_OUT_OF_RANGE
                                : take_date(consume.today_unix_days());
    if (date != device::RESULT_OK) {
      answer(command_id, date);
      return;
    }
    result = hw_.cartridge.consume(today());  // SR-62
  }
  const std::optional<CartridgeMemory> memory = hw_.cartridge.read();
  if (!memory) {
    result = CartridgeResult::kMissing;
  }
  if (result != CartridgeResult::kOk) {
    answer(command_id, to_result(result));
    return;
  }
  device::CommandResult& reply = start_result(message_, command_id, device::RESULT_OK);
  fill_cartridge(*memory, *reply.mutable_cartridge());
  (void)link_.send(message_, hal::Delivery::kReliable);
}

void ActuatorFirmware::answer_fixture(std::uint32_t command_id, std::uint32_t load_index) {
  const std::optional<CartridgeMemory> memory = hw_.cartridge.read();
  if (!memory) {
    answer(command_id, device::RESULT_NO_CARTRIDGE);
    return;
  }
  if (memory->type != CartridgeType::kCalibrationFixture) {
    answer(command_id, device::RESULT_NOT_A_FIXTURE);
    return;
  }
  if (load_index >= kReferenceLoads.size()) {
    answer(command_id, device::RESULT_OUT_OF_RANGE);
    return;
  }
  device::CommandResult& reply = start_result(message_, command_id, device::RESULT_OK);
  device::FixtureReading& reading = *reply.mutable_fixture();
  reading.set_load_index(load_index);
  if (load_index != hw_.fixture.selected_load()) {
    // Switching to another load: the reading belongs to no pulse yet (zero); the next
    // pulse goes into this load.
    (void)hw_.fixture.select_load(load_index);
    hw_.fixture.reset_meter_energy();
    hw_.fixture_pulse = FixturePulseReading{};
  }
  reading.set_reference_load_ohm(static_cast<std::uint32_t>(hw_.fixture.load().value()));
  const FixturePulseReading& pulse = hw_.fixture_pulse;
  const std::int64_t on_us = pulse.on_time.count();
  reading.set_reference_energy_uj(
      static_cast<std::uint32_t>(std::clamp<std::int64_t>(pulse.energy.value(), 0, 2'000'000)));
  reading.set_reference_power_mw(static_cast<std::uint32_t>(std::clamp<std::int64_t>(
      on_us > 0 ? pulse.energy.value() * 1'000'000 / on_us / 1'000 : 0, 0, 60'000)));
  (void)link_.send(message_, hal::Delivery::kReliable);
}

void ActuatorFirmware::watch_cartridge(Instant now) {
  const bool present = hw_.cartridge.read().has_value();
  // A cartridge swapped for another since the last look was taken out and put in.
  const bool swapped =
      present && cartridge_present_ && hw_.cartridge.changes() != cartridge_changes_;
  cartridge_changes_ = hw_.cartridge.changes();
  if (present == cartridge_present_ && !swapped) {
    return;
  }
  if (cartridge_present_) {
    send_event(device::BOARD_EVENT_CARTRIDGE_REMOVED, device::FAULT_UNSPECIFIED, 0, now);
    if (hw_.motor.position() > Micrometres(0)) {
      trip(device::FAULT_CARTRIDGE, 0, now, true);
    }
  }
  cartridge_present_ = present;
  if (present) {
    send_event(device::BOARD_EVENT_CARTRIDGE_INSERTED, device::FAULT_UNSPECIFIED, 0, now);
  }
}

}  // namespace rfneedle::sim
