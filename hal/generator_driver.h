// RfGenerator over a LinkSession and device.proto: builds GeneratorCommand envelopes,
// parses GeneratorMessage envelopes (a parse failure counts as a payload error, SR-32)
// and counts telemetry gaps. The shell feeds it bytes and the 1 kHz tick and writes what
// take_output() returns.
#pragma once

#include <google/protobuf/arena.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "hal/board_link.h"
#include "hal/rf_generator.h"

namespace rfneedle::hal {

class GeneratorDriver final : public RfGenerator, private LinkListener {
 public:
  GeneratorDriver(GeneratorObserver& observer, Instant now);

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
  void stop_rf(std::uint32_t new_epoch) override;
  void set_pulse_mode(bool delivering_pulse) override {
    link_.session().set_pulse_mode(delivering_pulse);
  }

  [[nodiscard]] CommandSubmission configure(const device::ConfigureGenerator& limits) override;
  [[nodiscard]] CommandSubmission deliver_pulse(const PulseCommand& pulse) override;
  [[nodiscard]] CommandSubmission measure_impedance(Duration duration) override;
  [[nodiscard]] CommandSubmission set_relay(bool closed) override;
  [[nodiscard]] CommandSubmission clear_latched_faults(std::uint32_t fault_bits) override;
  [[nodiscard]] CommandSubmission query_counters() override;
  [[nodiscard]] CommandSubmission query_pulse_log(std::uint64_t from_pulse_id,
                                                  std::uint32_t max_entries) override;

  [[nodiscard]] const LinkStats& link_stats() const override { return link_.session().stats(); }

 private:
  void on_payload(const ReceivedPayload& payload) override;
  void on_link_fault(LinkFault fault) override { observer_.on_generator_link_fault(fault); }

  GeneratorObserver& observer_;
  BoardLink<device::GeneratorCommand> link_;
  Instant now_{};
  // Incoming envelopes are parsed into this arena, reset after each: no heap in steady
  // state.
  alignas(std::max_align_t) std::array<char, 4096> arena_block_{};
  google::protobuf::Arena arena_;
};

}  // namespace rfneedle::hal
