// The needle actuator board's firmware with the handpiece, emulated (DESIGN 3, 5): motor,
// encoder, skin thermistors, trigger, cartridge memory and the calibration fixture's meter.
// Its own hard limits: no needle motion while RF-active is high (SR-09); the at-depth line
// only while the encoder reads at the target (SR-08); on its dead-man (SR-39) or E-stop
// (SR-50) it drops the at-depth line and retracts once RF-active is low. Sans-I/O.
//
// Split by concern: actuator_firmware.cpp (link, commands, motion, latches, telemetry),
// actuator_cartridge.cpp (cartridge memory and the calibration fixture, SR-62, SR-66).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "hal/time.h"
#include "hal/units.h"
#include "proto/device.pb.h"
#include "simulator/firmware/board_firmware.h"
#include "simulator/firmware/board_link.h"
#include "simulator/firmware/interlock_lines.h"
#include "simulator/model/actuator.h"
#include "simulator/model/calibration_fixture.h"
#include "simulator/model/cartridge.h"
#include "simulator/model/skin_thermistor.h"
#include "simulator/model/trigger.h"

namespace rfneedle::sim {

// SR-08: the at-depth line rises only within ±0.1 mm of the target (default until
// configured).
inline constexpr Micrometres kDefaultAtDepthTolerance{100};
// SR-31's threshold, applied on the board too: encoder and motor apart > 0.1 mm for 10 ms.
inline constexpr Micrometres kEncoderDisagreement{100};
inline constexpr Duration kEncoderDisagreementFor = milliseconds(10);

struct ActuatorMemory {
  std::uint64_t lifetime_insertions = 0;
  std::uint32_t boot_count = 0;
  // The latest date the controller has given in a CartridgeBind or CartridgeConsume: the
  // board has no calendar of its own, and its date never goes back (SR-62).
  std::chrono::sys_days latest_date = kNoDate;
};

// What the reference meter saw during the latest pulse into the selected fixture load.
struct FixturePulseReading {
  Microjoules energy{0};
  Duration on_time{0};
};

struct ActuatorHardware {
  ActuatorModel& motor;
  const TriggerModel& trigger;
  const SkinThermistor& thermistor_a;
  const SkinThermistor& thermistor_b;
  CartridgeSlot& cartridge;
  CalibrationFixture& fixture;
  FixturePulseReading& fixture_pulse;
  InterlockLines& lines;
};

class ActuatorFirmware final
    : public BoardFirmware<device::ActuatorCommand, device::ActuatorMessage> {
 public:
  // Boots at `boot`: boot_count is incremented; `rebooted` latches FAULT_REBOOT. The first
  // session after boot starts with a BOARD_EVENT_BOOTED.
  ActuatorFirmware(const BoardIdentity& identity, ActuatorMemory& memory, ActuatorHardware hardware,
                   Instant boot, bool rebooted);
  ActuatorFirmware(const ActuatorFirmware&) = delete;
  ActuatorFirmware& operator=(const ActuatorFirmware&) = delete;
  ~ActuatorFirmware();

  // 1 kHz, after the physics has stepped to `now`.
  void tick(Instant now);

  // What CountersQuery answers.
  void counters(device::CountersReply& counters) const;

 private:
  void execute(const device::ActuatorCommand& command) override;
  [[nodiscard]] bool latch_cause_present(device::FaultCode fault) const override;

  [[nodiscard]] device::ResultCode configure(const device::ConfigureActuator& configure);
  [[nodiscard]] device::ResultCode move_needle(const device::MoveNeedle& move);
  void answer_counters(std::uint32_t command_id);
  void answer_cartridge(std::uint32_t command_id, const device::ActuatorCommand& command);
  // Takes the controller's date from a CartridgeBind or CartridgeConsume: refused
  // (RESULT_OUT_OF_RANGE) when missing, outside 1..65 535 or earlier than the attached
  // cartridge's bind date; otherwise the board's date becomes the later of the two.
  [[nodiscard]] device::ResultCode take_date(std::uint32_t today_unix_days);
  // The date expiry is checked against: the board's latest date, or the attached
  // cartridge's bind date if that is later; kNoDate when neither is known.
  [[nodiscard]] std::chrono::sys_days today() const;
  // SR-62 before the needles go in, not only when the pulse is counted after it:
  // RESULT_NO_CARTRIDGE, RESULT_CARTRIDGE_BOUND (not bound to any session),
  // RESULT_CARTRIDGE_EXPIRED or RESULT_CARTRIDGE_AT_LIMIT; the fixture needs only be there.
  [[nodiscard]] device::ResultCode cartridge_ready_for_insert() const;
  void answer_fixture(std::uint32_t command_id, std::uint32_t load_index);

  // Drops the at-depth line, latches, reports and orders a retraction (SR-39, SR-50).
  void trip(device::FaultCode fault, std::int32_t value, Instant now, bool retract);
  void watch_cartridge(Instant now);
  void send_telemetry(Instant now);
  [[nodiscard]] bool at_depth() const;

  ActuatorMemory& memory_;
  ActuatorHardware hw_;

  bool configured_ = false;
  Micrometres max_depth_{7'000};
  Micrometres tolerance_ = kDefaultAtDepthTolerance;
  std::optional<Micrometres> insert_target_;  // set while the needles should be at depth
  Micrometres target_{0};
  bool retract_pending_ = false;
  bool cartridge_present_ = false;
  std::uint64_t cartridge_changes_ = 0;  // CartridgeSlot::changes() when last looked at
  Duration encoder_disagreeing_{0};
  Instant last_tick_;
  std::uint32_t sample_counter_ = 0;

  // Telemetry only, never cleared: its sub-message is reused at every tick.
  device::ActuatorMessage telemetry_;
};

}  // namespace rfneedle::sim
