// The one sans-I/O layer that joins the core to the two boards (DESIGN 6): the core's
// BoardCommands become driver calls, and what the drivers observe (telemetry, command
// results, board events, handshakes, link faults) becomes core inputs, every wire field
// checked against its documented range first (SR-57). rfneedled's safety thread, the
// tests and the deterministic simulation all drive this same code: bytes and `now` in,
// bytes out; no clock reads, no I/O, no allocation per sample.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "controller/bridge/wire_mapping.h"
#include "controller/core/core.h"
#include "hal/actuator_driver.h"
#include "hal/generator_driver.h"
#include "hal/handshake_policy.h"

namespace rfneedle::bridge {

// What the shell keeps that the core does not decide on: the boards' identities (for the
// session records), the generator's pulse log (for reconciliation, SR-70) and counters.
// Called from on_bytes(); the messages are valid only during the call.
class BoardRecords {
 public:
  virtual void on_identity(core::Board board, const device::HandshakeReply& reply) = 0;
  virtual void on_pulse_ended(const device::PulseLogEntry& entry) = 0;
  virtual void on_pulse_log(const device::PulseLogReply& reply) = 0;
  virtual void on_counters(core::Board board, const device::CountersReply& reply) = 0;

 protected:
  ~BoardRecords() = default;
};

// Told every command the core hands this layer, just before it goes to its driver, with
// the core as it is then (its outbox still holds the events of the same input). Never
// changes what is sent: the deterministic simulation checks each command against the
// simulator's ground truth with it (SR-06).
class CommandObserver {
 public:
  virtual void on_command(const core::BoardCommand& command, const core::Core& core) = 0;

 protected:
  ~CommandObserver() = default;
};

struct BridgeCounters {
  std::uint64_t unmatched_results = 0;    // a result for no command this bridge sent
  std::uint64_t refused_submissions = 0;  // the driver did not take a command
  std::uint64_t implausible_messages = 0;
};

class BoardBridge final : private hal::GeneratorObserver, private hal::ActuatorObserver {
 public:
  // `records` may be null (nothing kept beyond the core).
  BoardBridge(core::Core& core, Instant now, BoardRecords* records = nullptr);
  BoardBridge(const BoardBridge&) = delete;
  BoardBridge& operator=(const BoardBridge&) = delete;

  void set_handshake_policy(const hal::HandshakePolicy& policy);
  // May be null (the default): nothing is told.
  void set_command_observer(CommandObserver* observer) { observer_ = observer; }
  // What the constructor was given, replaced (may be null).
  void set_records(BoardRecords* records) { records_ = records; }
  // A new link session on `board` with this nonce (SR-42), after start-up or a line
  // opening. After a link fault this layer starts the next session itself, 100 ms later,
  // with a nonce derived from the last: its handshake repeats until the board answers, which
  // clears the core's link-fault cause (the Fault stays latched until acknowledged).
  void connect(core::Board board, std::uint64_t nonce, Instant now);
  void on_bytes(core::Board board, std::span<const std::uint8_t> bytes, Instant now);
  [[nodiscard]] std::size_t take_output(core::Board board, std::span<std::uint8_t> out,
                                        Instant now);
  // The 1 kHz tick: both links, then the core, then the core's commands to the boards.
  void tick(Instant now);
  // After any core input the shell made itself (an operator request, a store answer):
  // hands the core's queued commands to the drivers.
  void send_commands(Instant now);

  // Queries of the shell's own, answered through BoardRecords.
  void query_pulse_log(std::uint64_t from_pulse_id, std::uint32_t max_entries);
  void query_counters(core::Board board);

  [[nodiscard]] const hal::GeneratorDriver& generator() const { return generator_; }
  [[nodiscard]] const hal::ActuatorDriver& actuator() const { return actuator_; }
  [[nodiscard]] const BridgeCounters& counters() const { return counters_; }

 private:
  // Which core command each outstanding command_id carries, per board.
  struct Pending {
    std::uint32_t command_id = 0;
    core::CommandKind kind = 0;
    std::uint32_t sequence = 0;
  };
  using PendingTable = std::array<Pending, 32>;

  void submit(const core::BoardCommand& command);
  void remember(core::Board board, const hal::CommandSubmission& submission, core::CommandKind kind,
                std::uint32_t sequence = 0);
  [[nodiscard]] std::optional<Pending> take_pending(core::Board board, std::uint32_t command_id);
  void on_result(core::Board board, const device::CommandResult& result, Instant now);
  void follow_pulse_mode();

  // hal::GeneratorObserver
  void on_generator_telemetry(const device::GeneratorTelemetry& telemetry,
                              std::uint32_t samples_missed) override;
  void on_generator_result(const device::CommandResult& result) override;
  void on_generator_event(const device::BoardEvent& event) override;
  void on_pulse_ended(const device::PulseLogEntry& entry) override;
  void on_generator_handshake(const device::HandshakeReply& reply,
                              hal::HandshakeMismatch mismatch) override;
  void on_generator_link_fault(hal::LinkFault fault) override;
  // hal::ActuatorObserver
  void on_actuator_telemetry(const device::ActuatorTelemetry& telemetry,
                             std::uint32_t samples_missed) override;
  void on_actuator_result(const device::CommandResult& result) override;
  void on_actuator_event(const device::BoardEvent& event) override;
  void on_actuator_handshake(const device::HandshakeReply& reply,
                             hal::HandshakeMismatch mismatch) override;
  void on_actuator_link_fault(hal::LinkFault fault) override;

  void link_fault(core::Board board);

  core::Core& core_;
  BoardRecords* records_;
  std::array<std::uint64_t, 2> nonce_{};
  std::array<std::optional<Instant>, 2> reconnect_at_{};
  CommandObserver* observer_ = nullptr;
  hal::GeneratorDriver generator_;
  hal::ActuatorDriver actuator_;
  std::array<PendingTable, 2> pending_{};
  BridgeCounters counters_;
  bool pulse_mode_ = false;
  // The time of the input being handled (driver callbacks carry none).
  Instant now_{};
};

}  // namespace rfneedle::bridge
