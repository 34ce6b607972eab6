#include "controller/bridge/board_bridge.h"

#include <chrono>
#include <type_traits>
#include <variant>

namespace rfneedle::bridge {
namespace {

using core::Board;
using core::kind_of;

constexpr std::size_t slot(Board board) { return static_cast<std::size_t>(board); }

// Shell queries carry no core command: a kind past the variant's alternatives.
constexpr core::CommandKind kQueryKind = std::variant_size_v<core::BoardCommand>;

// After a link fault, the next link session starts this much later (the daemon's line
// reopening period).
constexpr Duration kReconnectDelay = milliseconds(100);

// The next session's nonce after a link fault: the previous one through SplitMix64, a
// different value every time and never 0 (docs/protocol.md 6.2).
std::uint64_t next_nonce(std::uint64_t nonce) {
  std::uint64_t z = nonce + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return z == 0 ? 1 : z;
}

// All latched-fault bits a clear may name (FaultCode bits 1..31).
constexpr std::uint32_t kAllFaultBits = 0xFFFF'FFFEu;

std::uint32_t unix_days(std::int32_t day) { return static_cast<std::uint32_t>(std::max(day, 0)); }

}  // namespace

BoardBridge::BoardBridge(core::Core& core, Instant now, BoardRecords* records)
    : core_(core), records_(records), generator_(*this, now), actuator_(*this, now), now_(now) {}

void BoardBridge::set_handshake_policy(const hal::HandshakePolicy& policy) {
  generator_.set_handshake_policy(policy);
  actuator_.set_handshake_policy(policy);
}

void BoardBridge::connect(Board board, std::uint64_t nonce, Instant now) {
  now_ = now;
  pending_[slot(board)] = {};
  nonce_[slot(board)] = nonce;
  reconnect_at_[slot(board)].reset();
  if (board == Board::kGenerator) {
    generator_.start_session(nonce, now);
  } else {
    actuator_.start_session(nonce, now);
  }
}

void BoardBridge::on_bytes(Board board, std::span<const std::uint8_t> bytes, Instant now) {
  now_ = now;
  if (board == Board::kGenerator) {
    generator_.on_bytes(bytes, now);
  } else {
    actuator_.on_bytes(bytes, now);
  }
  send_commands(now);
}

std::size_t BoardBridge::take_output(Board board, std::span<std::uint8_t> out, Instant now) {
  return board == Board::kGenerator ? generator_.take_output(out, now)
                                    : actuator_.take_output(out, now);
}

void BoardBridge::tick(Instant now) {
  now_ = now;
  for (const Board board : {Board::kGenerator, Board::kActuator}) {
    if (const std::optional<Instant> at = reconnect_at_[slot(board)]; at && now >= *at) {
      connect(board, next_nonce(nonce_[slot(board)]), now);
    }
  }
  generator_.tick(now);
  actuator_.tick(now);
  core_.tick(now);
  send_commands(now);
}

void BoardBridge::send_commands(Instant now) {
  now_ = now;
  auto& commands = core_.outbox().commands;
  // A command's result can feed the core more commands: drain until none are left.
  while (!commands.empty()) {
    const core::BoardCommand command = commands.pop_front();
    if (observer_ != nullptr) {
      observer_->on_command(command, core_);
    }
    submit(command);
  }
  follow_pulse_mode();
}

void BoardBridge::follow_pulse_mode() {
  // While a pulse is delivered no frame over 64 wire bytes goes out on either link (SR-43).
  const bool pulsing = core_.state() == core::State::kEnergizing;
  if (pulsing != pulse_mode_) {
    pulse_mode_ = pulsing;
    generator_.set_pulse_mode(pulsing);
    actuator_.set_pulse_mode(pulsing);
  }
}

void BoardBridge::submit(const core::BoardCommand& command) {
  const core::CommandKind kind = command.index();
  const auto to_generator = [&](const hal::CommandSubmission& s, std::uint32_t sequence = 0) {
    remember(Board::kGenerator, s, kind, sequence);
  };
  const auto to_actuator = [&](const hal::CommandSubmission& s) {
    remember(Board::kActuator, s, kind);
  };
  std::visit(
      [&](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, core::Configure>) {
          to_generator(generator_.configure(to_wire(c)));
        } else if constexpr (std::is_same_v<T, core::ConfigureNeedles>) {
          to_actuator(actuator_.configure(to_wire(c)));
        } else if constexpr (std::is_same_v<T, core::MeasureImpedance>) {
          to_generator(generator_.measure_impedance(c.duration), c.sequence);
        } else if constexpr (std::is_same_v<T, core::Insert>) {
          to_actuator(actuator_.insert(c.depth));
        } else if constexpr (std::is_same_v<T, core::Retract>) {
          to_actuator(actuator_.retract());
        } else if constexpr (std::is_same_v<T, core::Home>) {
          to_actuator(actuator_.home());
        } else if constexpr (std::is_same_v<T, core::HaltMotor>) {
          to_actuator(actuator_.halt());
        } else if constexpr (std::is_same_v<T, core::DeliverPulse>) {
          to_generator(generator_.deliver_pulse(hal::PulseCommand{
              c.pulse_id, c.power, c.duration, c.energy_cap, c.epoch, c.expires_at_board_us}));
        } else if constexpr (std::is_same_v<T, core::Abort>) {
          // The RF-off heartbeat and the abort go ahead of everything queued (SR-38). An
          // abort that could not be sent (no session) changes nothing the core must know:
          // the heartbeat went, and the dead-man holds without a link.
          if (const hal::CommandSubmission abort = generator_.stop_rf(c.epoch); abort.accepted()) {
            to_generator(abort);
          }
          (void)actuator_.stop_rf(c.epoch);
        } else if constexpr (std::is_same_v<T, core::Heartbeat>) {
          if (c.board == Board::kGenerator) {
            generator_.send_heartbeat(c.rf_permitted, c.epoch);
          } else {
            actuator_.send_heartbeat(c.rf_permitted, c.epoch);
          }
        } else if constexpr (std::is_same_v<T, core::RelayOpen>) {
          to_generator(generator_.set_relay(false));
        } else if constexpr (std::is_same_v<T, core::RelayClose>) {
          to_generator(generator_.set_relay(true));
        } else if constexpr (std::is_same_v<T, core::ClearLatchedFault>) {
          const std::uint32_t mask = c.mask & kAllFaultBits;
          if (c.board == Board::kGenerator) {
            to_generator(generator_.clear_latched_faults(mask));
          } else {
            to_actuator(actuator_.clear_latched_faults(mask));
          }
        } else if constexpr (std::is_same_v<T, core::CartridgeRead>) {
          to_actuator(actuator_.read_cartridge());
        } else if constexpr (std::is_same_v<T, core::CartridgeBind>) {
          to_actuator(actuator_.bind_cartridge(c.session_id, unix_days(c.today)));
        } else if constexpr (std::is_same_v<T, core::CartridgeConsume>) {
          to_actuator(actuator_.consume_cartridge(c.pulse_id, unix_days(c.today)));
        } else if constexpr (std::is_same_v<T, core::CalibrationMeasurement>) {
          to_actuator(actuator_.measure_fixture(c.load_index));
        } else {
          static_assert(std::is_same_v<T, void>, "every BoardCommand has its driver call");
        }
      },
      command);
}

void BoardBridge::remember(Board board, const hal::CommandSubmission& submission,
                           core::CommandKind kind, std::uint32_t sequence) {
  if (!submission.accepted()) {
    // Not sent: the core hears a refusal, as if the board had answered (a check that did
    // not run has failed).
    ++counters_.refused_submissions;
    core::CommandResult refused;
    refused.kind = kind;
    refused.code = core::CommandResultCode::kFailed;
    refused.sequence = sequence;
    if (kind != kQueryKind) {
      core_.on_command_result(refused, now_);
    }
    return;
  }
  PendingTable& table = pending_[slot(board)];
  // Oldest entry out when full: its answer is then unmatched, and the core's deadlines
  // decide (a command still unanswered after 32 newer ones has long been a link fault).
  Pending* target = &table[0];
  for (Pending& p : table) {
    if (p.command_id == 0) {
      target = &p;
      break;
    }
    if (p.command_id < target->command_id) {
      target = &p;
    }
  }
  *target = Pending{submission.command_id, kind, sequence};
}

std::optional<BoardBridge::Pending> BoardBridge::take_pending(Board board,
                                                              std::uint32_t command_id) {
  for (Pending& p : pending_[slot(board)]) {
    if (command_id != 0 && p.command_id == command_id) {
      const Pending found = p;
      p = Pending{};
      return found;
    }
  }
  return std::nullopt;
}

void BoardBridge::query_pulse_log(std::uint64_t from_pulse_id, std::uint32_t max_entries) {
  remember(Board::kGenerator, generator_.query_pulse_log(from_pulse_id, max_entries), kQueryKind);
}

void BoardBridge::query_counters(Board board) {
  remember(board,
           board == Board::kGenerator ? generator_.query_counters() : actuator_.query_counters(),
           kQueryKind);
}

void BoardBridge::on_result(Board board, const device::CommandResult& result, Instant now) {
  const std::optional<Pending> pending = take_pending(board, result.command_id());
  if (!pending) {
    ++counters_.unmatched_results;
    return;
  }
  if (pending->kind == kQueryKind) {
    if (records_ == nullptr || result.result() != device::RESULT_OK) {
      return;
    }
    if (result.has_pulse_log()) {
      records_->on_pulse_log(result.pulse_log());
    } else if (result.has_counters()) {
      records_->on_counters(board, result.counters());
    }
    return;
  }
  core::CommandResult r;
  r.kind = pending->kind;
  r.sequence = pending->sequence;
  r.code = to_code(result.result());
  if (result.has_impedance()) {
    r.impedance = to_reading(result.impedance());
    if (!r.impedance) {
      ++counters_.implausible_messages;
    }
  }
  if (result.has_cartridge()) {
    r.cartridge = to_cartridge(result.cartridge());
    if (!r.cartridge) {
      ++counters_.implausible_messages;
    }
  }
  core_.on_command_result(r, now);
  if (pending->kind == kind_of<core::CalibrationMeasurement> && result.has_fixture() &&
      r.code == core::CommandResultCode::kOk) {
    const std::uint32_t uj = result.fixture().reference_energy_uj();
    if (uj <= 2'000'000) {
      core_.on_calibration_reading(Microjoules{uj}, now);
    } else {
      ++counters_.implausible_messages;
    }
  }
}

void BoardBridge::on_generator_telemetry(const device::GeneratorTelemetry& telemetry,
                                         std::uint32_t /*samples_missed*/) {
  // The core counts gaps from the sample counter itself (SR-40).
  core_.on_generator_sample(to_sample(telemetry), now_);
}

void BoardBridge::on_actuator_telemetry(const device::ActuatorTelemetry& telemetry,
                                        std::uint32_t /*samples_missed*/) {
  core_.on_actuator_sample(to_sample(telemetry), now_);
}

void BoardBridge::on_generator_result(const device::CommandResult& result) {
  on_result(Board::kGenerator, result, now_);
}

void BoardBridge::on_actuator_result(const device::CommandResult& result) {
  on_result(Board::kActuator, result, now_);
}

void BoardBridge::on_generator_event(const device::BoardEvent& event) {
  if (const std::uint32_t code = fault_code_of(event); code != 0) {
    core_.on_board_event(core::BoardEvent{Board::kGenerator, code}, now_);
  }
}

void BoardBridge::on_actuator_event(const device::BoardEvent& event) {
  if (event.kind() == device::BOARD_EVENT_CARTRIDGE_INSERTED ||
      event.kind() == device::BOARD_EVENT_CARTRIDGE_REMOVED) {
    core_.on_cartridge_changed(now_);
    return;
  }
  if (const std::uint32_t code = fault_code_of(event); code != 0) {
    core_.on_board_event(core::BoardEvent{Board::kActuator, code}, now_);
  }
}

void BoardBridge::on_pulse_ended(const device::PulseLogEntry& entry) {
  if (records_ != nullptr) {
    records_->on_pulse_ended(entry);
  }
}

void BoardBridge::on_generator_handshake(const device::HandshakeReply& reply,
                                         hal::HandshakeMismatch mismatch) {
  pending_[slot(Board::kGenerator)] = {};
  if (records_ != nullptr) {
    records_->on_identity(Board::kGenerator, reply);
  }
  core_.on_handshake(Board::kGenerator, to_outcome(reply, mismatch), now_);
}

void BoardBridge::on_actuator_handshake(const device::HandshakeReply& reply,
                                        hal::HandshakeMismatch mismatch) {
  pending_[slot(Board::kActuator)] = {};
  if (records_ != nullptr) {
    records_->on_identity(Board::kActuator, reply);
  }
  core_.on_handshake(Board::kActuator, to_outcome(reply, mismatch), now_);
}

void BoardBridge::link_fault(Board board) {
  reconnect_at_[slot(board)] = now_ + kReconnectDelay;
  core_.on_link_fault(board, now_);
}

void BoardBridge::on_generator_link_fault(hal::LinkFault /*fault*/) {
  link_fault(Board::kGenerator);
}

void BoardBridge::on_actuator_link_fault(hal::LinkFault /*fault*/) {
  link_fault(Board::kActuator);
}

}  // namespace rfneedle::bridge
