#include "controller/core/self_test.h"

namespace rfneedle::core {
namespace {

constexpr Duration kAnswerDeadline = milliseconds(50);
// The boards' dead-man is 50 ms (DESIGN 3); allow one more heartbeat period to see it.
constexpr Duration kDeadManDeadline = milliseconds(100);
// A board's telemetry starts within a sample period of its handshake; the 20 ms gap limit
// (SR-40) faults first, so this bound only keeps the check from waiting without end.
constexpr Duration kFirstSampleDeadline = milliseconds(50);

}  // namespace

std::string_view name(SelfTestCheck check) {
  switch (check) {
    case SelfTestCheck::kHandshakes:
      return "handshakes and protocol hashes";
    case SelfTestCheck::kGeneratorDeadMan:
      return "generator dead-man";
    case SelfTestCheck::kActuatorDeadMan:
      return "actuator dead-man";
    case SelfTestCheck::kAtDepthBlocksRf:
      return "at-depth line blocks RF";
    case SelfTestCheck::kRelayOpens:
      return "RF relay opens";
    case SelfTestCheck::kThermistors:
      return "thermistor plausibility";
    case SelfTestCheck::kOpenCircuitImpedance:
      return "open-circuit impedance, needles retracted";
    case SelfTestCheck::kEStopReleased:
      return "E-stop circuit reads released";
    case SelfTestCheck::kMotorHoming:
      return "motor homing";
  }
  return "?";
}

void SelfTest::start(Instant now) {
  *this = SelfTest{};
  running_ = true;
  summary_.total = kSelfTestCheckCount;
  deadline_ = now;
}

bool SelfTest::heartbeats_paused(Board board) const {
  if (!running_ || phase_ != 1) {
    return false;
  }
  return (board == Board::kGenerator && check() == SelfTestCheck::kGeneratorDeadMan) ||
         (board == Board::kActuator && check() == SelfTestCheck::kActuatorDeadMan);
}

std::uint32_t SelfTest::expected_latch(Board board) const {
  const SelfTestCheck own = board == Board::kGenerator ? SelfTestCheck::kGeneratorDeadMan
                                                       : SelfTestCheck::kActuatorDeadMan;
  return running_ && check() == own && phase_ >= 1 ? board_fault::kDeadMan : 0;
}

bool SelfTest::permits_rf() const {
  return running_ && check() == SelfTestCheck::kAtDepthBlocksRf && phase_ >= 2 && phase_ <= 3;
}

SelfTest::Step SelfTest::finish_check(bool passed, std::string_view reason, Instant now) {
  Step s;
  s.result = SelfTestCheckResult{check(), passed, reason};
  summary_.passed += passed ? 1 : 0;
  ++check_;
  phase_ = 0;
  deadline_ = now;
  last_result_.reset();
  if (check_ == kSelfTestCheckCount) {
    running_ = false;
    summary_.finished = true;
    s.finished = true;
    s.passed = summary_.passed == summary_.total;
  }
  return s;
}

SelfTest::Step SelfTest::step(const SelfTestView& view, Instant now, const CoreConfig& config) {
  if (!running_) {
    return {};
  }
  switch (check()) {
    case SelfTestCheck::kHandshakes:
      // The core starts the self-test only once both boards matched.
      return finish_check(true, {}, now);
    case SelfTestCheck::kGeneratorDeadMan:
      return dead_man(Board::kGenerator, view, now, config);
    case SelfTestCheck::kActuatorDeadMan:
      return dead_man(Board::kActuator, view, now, config);
    case SelfTestCheck::kAtDepthBlocksRf:
      return at_depth(view, now);
    case SelfTestCheck::kRelayOpens:
      return relay(view, now);
    case SelfTestCheck::kThermistors: {
      const ThermistorLimits& t = config.thermistor;
      const MilliCelsius a = view.actuator.skin_temp_a;
      const MilliCelsius b = view.actuator.skin_temp_b;
      if (a < t.min || a > t.max || b < t.min || b > t.max) {
        return finish_check(false, "a thermistor reads outside its plausible range", now);
      }
      const MilliCelsius d = a > b ? a - b : b - a;
      if (d > t.max_disagreement) {
        return finish_check(false, "the thermistors disagree", now);
      }
      return finish_check(true, {}, now);
    }
    case SelfTestCheck::kOpenCircuitImpedance:
      return open_circuit(view, now, config);
    case SelfTestCheck::kEStopReleased:
      if (view.generator.estop || view.actuator.estop) {
        return finish_check(false, "the E-stop circuit reads pressed", now);
      }
      return finish_check(true, {}, now);
    case SelfTestCheck::kMotorHoming:
      return homing(view, now, config);
  }
  return {};
}

SelfTest::Step SelfTest::dead_man(Board board, const SelfTestView& view, Instant now,
                                  const CoreConfig&) {
  const std::uint32_t latched =
      board == Board::kGenerator ? view.generator.latched_faults : view.actuator.latched_faults;
  const bool dead_man_latched = (latched & board_fault::kDeadMan) != 0;
  const bool sampled = board == Board::kGenerator ? view.generator_sampled : view.actuator_sampled;
  switch (phase_) {
    case 0:
      // A board's latch is known only from a sample of its link session: before the first
      // one, a latch held since the controller died would be taken for this check's own
      // (and cleared) once the heartbeats paused. A check without its input has not run
      // (SR-57): wait for it, and fail if it does not come. The first sample's latch is
      // the board's Fault (SR-45) before this check sees it.
      if (!sampled) {
        if (now > deadline_ + kFirstSampleDeadline) {
          return finish_check(false, "no telemetry from the board since its handshake", now);
        }
        return {};
      }
      // A latch already there proves nothing about this board's dead-man, and it is an
      // older fault only an acknowledge may clear.
      if (dead_man_latched) {
        return finish_check(false, "the board was latched before its heartbeats paused", now);
      }
      // Heartbeats to this board stop from here (heartbeats_paused) until it latches.
      phase_ = 1;
      deadline_ = now + kDeadManDeadline;
      return {};
    case 1:
      if (dead_man_latched) {
        phase_ = 2;
        deadline_ = now + kAnswerDeadline;
        return Step{ClearLatchedFault{board, board_fault::kDeadMan}, std::nullopt};
      }
      if (now > deadline_) {
        return finish_check(false, "the board did not latch when heartbeats stopped", now);
      }
      return {};
    default:
      if (!dead_man_latched) {
        return finish_check(true, {}, now);
      }
      if (now > deadline_) {
        return finish_check(false, "the board's latch did not clear", now);
      }
      return {};
  }
}

SelfTest::Step SelfTest::at_depth(const SelfTestView& view, Instant now) {
  switch (phase_) {
    case 0:
      if (view.actuator.at_depth_line) {
        return finish_check(false, "the at-depth line is high with the needles retracted", now);
      }
      // With the relay closed the at-depth line is the only reason left to refuse: a
      // board checks the relay first, and its dead-man (checked before) opened it.
      phase_ = 1;
      deadline_ = now + kAnswerDeadline;
      if (!view.generator.relay_closed) {
        return Step{RelayClose{}, std::nullopt};
      }
      return {};
    case 1:
      if (!view.generator.relay_closed) {
        if (now > deadline_) {
          return finish_check(false, "the relay did not close for the at-depth check", now);
        }
        return {};
      }
      phase_ = 2;
      return Step{Heartbeat{Board::kGenerator, true, view.epoch}, std::nullopt};
    case 2: {
      phase_ = 3;
      deadline_ = now + kAnswerDeadline;
      last_result_.reset();
      const std::uint64_t expiry = view.generator.board_time_us + 10'000;
      return Step{DeliverPulse{0, watts(1), milliseconds(10), millijoules(10), view.epoch, expiry},
                  std::nullopt};
    }
    case 3: {
      std::string_view failure;
      if (view.generator.rf_active) {
        failure = "RF came on with the at-depth line low";
      } else if (last_result_ && last_result_->kind == kind_of<DeliverPulse>) {
        if (last_result_->code != CommandResultCode::kRefusedNotAtDepth) {
          failure = "the generator did not refuse for the at-depth line";
        }
      } else if (now <= deadline_) {
        return {};
      } else {
        failure = "the generator did not answer";
      }
      phase_ = 4;
      last_reason_ = failure;
      return Step{Heartbeat{Board::kGenerator, false, view.epoch}, std::nullopt};
    }
    default:
      return finish_check(last_reason_.empty(), last_reason_, now);
  }
}

SelfTest::Step SelfTest::relay(const SelfTestView& view, Instant now) {
  switch (phase_) {
    case 0:
      phase_ = 1;
      deadline_ = now + kAnswerDeadline;
      return Step{RelayOpen{}, std::nullopt};
    case 1:
      if (!view.generator.relay_closed) {
        phase_ = 2;
        deadline_ = now + kAnswerDeadline;
        return Step{RelayClose{}, std::nullopt};
      }
      if (now > deadline_) {
        return finish_check(false, "the relay did not open", now);
      }
      return {};
    default:
      if (view.generator.relay_closed) {
        return finish_check(true, {}, now);
      }
      if (now > deadline_) {
        return finish_check(false, "the relay did not close again", now);
      }
      return {};
  }
}

SelfTest::Step SelfTest::open_circuit(const SelfTestView& view, Instant now,
                                      const CoreConfig& config) {
  switch (phase_) {
    case 0:
      if (view.actuator.encoder_position > config.needle.position_tolerance) {
        return finish_check(false, "the needles are not retracted", now);
      }
      phase_ = 1;
      deadline_ = now + kAnswerDeadline;
      last_result_.reset();
      return Step{MeasureImpedance{}, std::nullopt};
    case 1:
      if (!last_result_ || last_result_->kind != kind_of<MeasureImpedance>) {
        if (now > deadline_) {
          return finish_check(false, "the generator did not answer", now);
        }
        return {};
      }
      if (last_result_->code != CommandResultCode::kOk) {
        return finish_check(false, "the generator refused the measurement", now);
      }
      // The measurement's own result decides, never telemetry (SR-10): with the needles
      // retracted every sample must read open.
      if (!last_result_->impedance ||
          last_result_->impedance->samples < static_cast<std::uint32_t>(config.impedance.samples)) {
        return finish_check(false, "the measurement came back without its samples", now);
      }
      if (last_result_->impedance->min <= config.impedance.max) {
        return finish_check(false, "impedance inside the window with the needles retracted", now);
      }
      return finish_check(true, {}, now);
    default:
      return finish_check(false, "internal: unknown open-circuit phase", now);
  }
}

SelfTest::Step SelfTest::homing(const SelfTestView& view, Instant now, const CoreConfig& config) {
  if (phase_ == 0) {
    phase_ = 1;
    deadline_ = now + config.needle.home_deadline;
    last_result_.reset();
    return Step{Home{}, std::nullopt};
  }
  if (last_result_ && last_result_->kind == kind_of<Home> &&
      last_result_->code != CommandResultCode::kOk) {
    return finish_check(false, "the actuator refused to home", now);
  }
  if (view.actuator.homed && last_result_ && last_result_->kind == kind_of<Home>) {
    return finish_check(true, {}, now);
  }
  if (now > deadline_) {
    return finish_check(false, "the motor did not home in time", now);
  }
  return {};
}

}  // namespace rfneedle::core
