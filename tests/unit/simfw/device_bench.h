// A test bench: a SimulatedDevice joined to two controller-side LinkSessions through
// FaultyByteChannels on a VirtualClock. The test plays the controller, building envelopes
// by hand; the device ticks at 1 kHz.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "hal/link_session.h"
#include "proto/device.pb.h"
#include "simulator/firmware/simulated_device.h"
#include "tests/support/faulty_byte_channel.h"
#include "tests/support/virtual_clock.h"

namespace rfneedle::testing {

// The controller's end of one board link. Like hal::BoardLink it resets its session again
// when the matching handshake reply arrives, so the board's first reliable frames of the
// new session (its BOOTED event) count in it.
template <typename Message>
class ControllerEnd final : public hal::LinkListener {
 public:
  ControllerEnd(const VirtualClock& clock, const hal::LinkConfig& config)
      : session(config, *this, clock.now()), clock_(clock) {}
  void on_payload(const hal::ReceivedPayload& payload) override {
    Message message;
    if (!message.ParseFromArray(payload.bytes.data(), static_cast<int>(payload.bytes.size()))) {
      return;
    }
    if (message.has_handshake() && awaiting_nonce &&
        message.handshake().session_nonce() == *awaiting_nonce) {
      session.reset(*awaiting_nonce, clock_.now());
      awaiting_nonce.reset();
    }
    received.push_back(message);
    received_at.push_back(clock_.now());
  }
  void on_link_fault(hal::LinkFault) override { ++link_faults; }

  hal::LinkSession session;
  std::vector<Message> received;
  std::vector<Instant> received_at;  // when each of `received` arrived
  std::optional<std::uint64_t> awaiting_nonce;
  int link_faults = 0;
  std::uint32_t next_command_id = 1;

 private:
  const VirtualClock& clock_;
};

// One frame a board wrote, as the bench took it from the device.
struct WrittenFrame {
  Instant at;
  std::size_t wire_bytes;  // delimiter included
  bool during_pulse;       // the generator was delivering a pulse when it was taken
};

class DeviceBench {
 public:
  // `controller_link` configures the controller's two sessions (hal defaults otherwise).
  explicit DeviceBench(const sim::SimulatedDeviceOptions& options = {},
                       const hal::LinkConfig& controller_link = {});

  // Sends a handshake with `nonce` to both boards and runs until both replied.
  void handshake(std::uint64_t nonce);
  std::uint32_t send(device::GeneratorCommand command);
  std::uint32_t send(device::ActuatorCommand command);
  // Runs until the answer to `command_id` arrives (at most 100 ms).
  std::optional<device::CommandResult> generator_result(std::uint32_t command_id);
  std::optional<device::CommandResult> actuator_result(std::uint32_t command_id);
  device::ResultCode generator_do(const device::GeneratorCommand& command);
  device::ResultCode actuator_do(const device::ActuatorCommand& command);

  // Handshake, configure both boards (with `dead_man_ms`), bind the cartridge to
  // `session_id` on `today_unix_days`, home, insert to `depth_um`, close the relay, permit
  // RF in epoch 0: a pulse can be delivered next.
  void make_ready(std::uint32_t depth_um = 1'500);
  device::ResultCode deliver_pulse(std::uint64_t pulse_id, std::uint32_t power_mw,
                                   std::uint32_t duration_ms, std::uint32_t energy_cap_uj,
                                   std::uint32_t epoch = 0);

  void run_for(Duration d) { clock.advance(d); }
  [[nodiscard]] Instant now() const { return clock.now(); }
  [[nodiscard]] std::uint64_t generator_board_us() const;
  [[nodiscard]] std::vector<device::GeneratorTelemetry> generator_telemetry() const;
  [[nodiscard]] std::vector<device::ActuatorTelemetry> actuator_telemetry() const;
  [[nodiscard]] std::vector<device::PulseLogEntry> pulses_ended() const;
  [[nodiscard]] std::vector<device::BoardEvent> generator_events() const;
  [[nodiscard]] std::vector<device::BoardEvent> actuator_events() const;

  VirtualClock clock;
  sim::SimulatedDevice device;
  FaultyByteChannel generator_line;
  FaultyByteChannel actuator_line;
  ControllerEnd<device::GeneratorMessage> generator;
  ControllerEnd<device::ActuatorMessage> actuator;
  // The controller's heartbeats every 10 ms (DESIGN 3) and whether it sends anything.
  bool heartbeats = true;
  bool rf_permitted = false;
  std::uint32_t epoch = 0;
  bool controller_silent = false;
  // What make_ready configures on both boards.
  std::uint32_t dead_man_ms = 50;
  // The controller's date, days since 1970-01-01 (2025-06-01), and the session make_ready
  // binds the cartridge to.
  std::uint32_t today_unix_days = 20'240;
  std::uint64_t session_id = 0x5E55;
  // When the device last received bytes on each line.
  Instant generator_last_arrival{};
  Instant actuator_last_arrival{};
  // Ground truth recorded on every tick, after the device ticked.
  std::vector<sim::GroundTruth> history;
  // Every frame each board wrote, in order.
  std::vector<WrittenFrame> generator_frames;
  std::vector<WrittenFrame> actuator_frames;

 private:
  void on_tick();
  void send_heartbeats();
  std::uint64_t nonce_ = 0;
};

device::GeneratorCommand generator_command();
device::ActuatorCommand actuator_command();
// A configure with every field valid: the envelope's limits, unit calibration gains.
device::GeneratorCommand generator_configure(std::uint32_t dead_man_ms = 50);
device::ActuatorCommand actuator_configure(std::uint32_t dead_man_ms = 50);

}  // namespace rfneedle::testing
