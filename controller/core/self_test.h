// The self-test (DESIGN 4), at power-on and on request in Service: the core drives the
// boards through each named check and observes their telemetry; each check passes or
// fails with a reason.
#pragma once

#include <optional>
#include <string_view>

#include "controller/core/board_commands.h"
#include "controller/core/core_config.h"
#include "controller/core/status.h"

namespace rfneedle::core {

enum class SelfTestCheck : std::uint8_t {
  kHandshakes,
  kGeneratorDeadMan,
  kActuatorDeadMan,
  kAtDepthBlocksRf,
  kRelayOpens,
  kThermistors,
  kEStopReleased,
  // Homing first: only a homed encoder says the needles are retracted, which the
  // open-circuit check relies on (an unhomed carriage may sit inserted at power-on).
  kMotorHoming,
  kOpenCircuitImpedance,
};
inline constexpr int kSelfTestCheckCount = 9;

[[nodiscard]] std::string_view name(SelfTestCheck check);

struct SelfTestCheckResult {
  SelfTestCheck check = SelfTestCheck::kHandshakes;
  bool passed = false;
  std::string_view reason;
};

struct SelfTestView {
  const GeneratorSample& generator;
  const ActuatorSample& actuator;
  std::uint32_t epoch;
  // Whether each board's sample above came in its current link session (since its
  // handshake): until then it says nothing about what the board holds now.
  bool generator_sampled = false;
  bool actuator_sampled = false;
};

class SelfTest {
 public:
  struct Step {
    std::optional<BoardCommand> command;
    std::optional<SelfTestCheckResult> result;
    bool finished = false;
    bool passed = false;
  };

  void start(Instant now);
  // A fault or a more severe rung ends the self-test at once (SR-51): it commands nothing
  // more, and it did not pass.
  void abort() { running_ = false; }
  [[nodiscard]] bool running() const { return running_; }
  [[nodiscard]] bool heartbeats_paused(Board board) const;
  // The latch bits a dead-man check expects from `board` once its heartbeats paused: those
  // are the check working, not a fault. Any other bit, or one there before, is a fault.
  [[nodiscard]] std::uint32_t expected_latch(Board board) const;
  // The at-depth check asks for RF with the needles retracted: the board must refuse.
  [[nodiscard]] bool permits_rf() const;
  void on_command_result(const CommandResult& result) { last_result_ = result; }
  // At most one command and one result per call; call until neither comes back.
  [[nodiscard]] Step step(const SelfTestView& view, Instant now, const CoreConfig& config);
  [[nodiscard]] SelfTestSummary summary() const { return summary_; }

 private:
  [[nodiscard]] SelfTestCheck check() const { return static_cast<SelfTestCheck>(check_); }
  Step finish_check(bool passed, std::string_view reason, Instant now);
  Step dead_man(Board board, const SelfTestView& view, Instant now, const CoreConfig& config);
  Step at_depth(const SelfTestView& view, Instant now);
  Step relay(const SelfTestView& view, Instant now);
  Step open_circuit(const SelfTestView& view, Instant now, const CoreConfig& config);
  Step homing(const SelfTestView& view, Instant now, const CoreConfig& config);

  bool running_ = false;
  int check_ = 0;
  int phase_ = 0;
  Instant deadline_{};
  std::optional<CommandResult> last_result_;
  std::string_view last_reason_;
  SelfTestSummary summary_;
};

}  // namespace rfneedle::core
