// NeedleActuator over a LinkSession and device.proto: builds ActuatorCommand envelopes,
// parses ActuatorMessage envelopes (a parse failure counts as a payload error, SR-32)
// and counts telemetry gaps. The shell feeds it bytes and the 1 kHz tick and writes what
// take_output() returns.
#pragma once

#include <google/protobuf/arena.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "hal/board_link.h"
#include "hal/needle_actuator.h"

namespace rfneedle::hal {

class ActuatorDriver final : public NeedleActuator, private LinkListener {
 public:
  ActuatorDriver(ActuatorObserver& observer, Instant now);

  void on_bytes(std::span<const std::uint8_t> bytes, Instant now);
  void tick(Instant now) { link_.tick(now); }
  [[nodiscard]] std::size_t take_output(std::span<std::uint8_t> out, Instant now) {
    return link_.session().take_output(out, now);
  }
  [[nodiscard]] bool has_output() const { return link_.session().has_output(); }

  void start_session(std::uint64_t nonce, Instant now) override { link_.start_session(nonce, now); }
  [[nodiscard]] HandshakeState handshake_state() const override { return link_.handshake_state(); }
  [[nodiscard]] HandshakeMismatch handshake_mismatch() const override { return link_.mismatch(); }
  void send_heartbeat(bool rf_permitted, std::uint32_t epoch) override {
    link_.send_heartbeat(rf_permitted, epoch);
  }
  void stop_rf(std::uint32_t new_epoch) override { link_.send_heartbeat(false, new_epoch); }
  void set_pulse_mode(bool delivering_pulse) override {
    link_.session().set_pulse_mode(delivering_pulse);
  }

  [[nodiscard]] CommandSubmission configure(const device::ConfigureActuator& limits) override;
  [[nodiscard]] CommandSubmission insert(Micrometres depth) override;
  [[nodiscard]] CommandSubmission home() override;
  [[nodiscard]] CommandSubmission retract() override;
  [[nodiscard]] CommandSubmission read_cartridge() override;
  [[nodiscard]] CommandSubmission bind_cartridge(std::uint64_t session_id) override;
  [[nodiscard]] CommandSubmission consume_cartridge(std::uint64_t pulse_id) override;
  [[nodiscard]] CommandSubmission measure_fixture(std::uint32_t load_index) override;
  [[nodiscard]] CommandSubmission clear_latched_faults(std::uint32_t fault_bits) override;
  [[nodiscard]] CommandSubmission query_counters() override;

  [[nodiscard]] const LinkStats& link_stats() const override { return link_.session().stats(); }

 private:
  void on_payload(const ReceivedPayload& payload) override;
  void on_link_fault(LinkFault fault) override { observer_.on_actuator_link_fault(fault); }
  [[nodiscard]] CommandSubmission move(device::NeedleMotion motion, std::uint32_t depth_um,
                                       bool treatment);

  ActuatorObserver& observer_;
  BoardLink<device::ActuatorCommand> link_;
  Instant now_{};
  alignas(std::max_align_t) std::array<char, 4096> arena_block_{};
  google::protobuf::Arena arena_;
};

}  // namespace rfneedle::hal
