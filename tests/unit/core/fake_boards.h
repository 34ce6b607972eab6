// A small fake pair of boards for the core's tests and benchmark: just enough physics
// (needles move at a finite speed, RF follows the board-side gate, telemetry at 1 kHz)
// and the board-side rules of DESIGN 3 (epoch, expiry, permission, at-depth line,
// dead-man), with hooks to inject the faults the ladder must catch.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "controller/core/board_commands.h"
#include "controller/core/telemetry.h"

namespace rfneedle::core::testing {

struct FakeGenerator {
  // Injection.
  Ohms tissue_impedance{300};
  Ohms open_impedance{5000};
  std::optional<Ohms> impedance_override;       // during RF
  std::optional<Ohms> measurement_override;     // at the low-level measurement
  std::uint32_t measurement_sequence_skew = 0;  // answers carry another request's sequence
  std::uint32_t measurement_samples = 5;
  std::optional<Milliwatts> power_override;
  bool stuck_on = false;  // RF ignores every off command
  bool silent = false;    // telemetry stops
  bool refuse_pulses = false;
  bool relay_stuck_closed = false;
  MilliCelsius heatsink = celsius(35);
  bool estop = false;
  bool deaf = false;                   // receives no frame: its dead-man runs out
  bool duration_timer_broken = false;  // only the 1000 ms cap ends a pulse
  bool answers_measurements = true;    // false: a measure-impedance is never acknowledged

  // State.
  GeneratorSample sample;
  std::uint32_t epoch = 0;
  bool rf_permitted = false;
  bool relay_closed = true;
  std::optional<DeliverPulse> pulse;
  Duration pulse_elapsed{};
  std::uint32_t latched = 0;
  Instant last_frame{};
  std::uint64_t time_us = 1'000'000;

  void rf_off() {
    if (!stuck_on) {
      pulse.reset();
    }
  }
  // A service engineer replaced the output stage.
  void repair() {
    stuck_on = false;
    pulse.reset();
  }
};

struct FakeActuator {
  // Injection.
  bool jammed = false;  // retraction does not move
  bool stalled = false;
  bool silent = false;
  Micrometres encoder_slip{};  // encoder reads this far from the motor
  Micrometres speed_per_ms{200};
  bool trigger_a = false;
  bool trigger_b = false;
  MilliCelsius skin_a = celsius(32);
  MilliCelsius skin_b = celsius(32);
  bool cartridge_present = true;
  bool estop = false;
  // The cartridge memory: what the core must take needle count and pulses from.
  CartridgeInfo cartridge = face_cartridge();
  // The latest date a bind or a consume gave: like the firmware, an insertion past the
  // cartridge's expiry or pulse limit is refused (SR-62).
  std::int32_t today = 0;
  bool refuse_configure = false;
  bool deaf = false;
  bool at_depth_line_dead = false;  // the line never rises, whatever the encoder reads

  // State.
  ActuatorSample sample;
  Micrometres position{};
  Micrometres target{};
  bool homed = false;
  std::uint32_t latched = 0;
  Instant last_frame{};
  std::uint64_t time_us = 2'000'000;

  void press() { trigger_a = trigger_b = true; }
  void release() { trigger_a = trigger_b = false; }

  static CartridgeInfo face_cartridge() {
    CartridgeInfo c;
    c.kind = CartridgeKind::kFace;
    c.needle_count = 25;
    c.max_depth = Micrometres{3500};
    c.pulse_limit = 500;
    c.expiry_day = 20'000;
    c.serial = CartridgeSerial("1001");
    return c;
  }
  static CartridgeInfo body_cartridge() {
    CartridgeInfo c = face_cartridge();
    c.kind = CartridgeKind::kBody;
    c.max_depth = Micrometres{7000};
    return c;
  }
};

// What a matched handshake reports: the generator's own voltage limit (120 V, as the
// simulated generator's).
inline HandshakeOutcome matched_handshake(Board board) {
  HandshakeOutcome h;
  if (board == Board::kGenerator) {
    h.voltage_limit = Millivolts{120'000};
  }
  return h;
}

// Answers a command the way a conforming board would, returning the acknowledgement.
struct FakeBoards {
  FakeGenerator gen;
  FakeActuator act;
  std::vector<CommandResult> results;
  // Motion commanded while RF was on at the generator (DESIGN 2.3 says never).
  int motion_while_rf = 0;

  // The E-stop is hard-wired to both boards (DESIGN 3).
  void set_estop(bool pressed) { gen.estop = act.estop = pressed; }

  void receive(const BoardCommand& c, Instant now) {
    const Destination d = destination(c);
    if ((d == Destination::kGenerator && gen.deaf) || (d == Destination::kActuator && act.deaf)) {
      return;
    }
    if (d != Destination::kActuator) {
      gen.last_frame = now;
    }
    if (d != Destination::kGenerator) {
      act.last_frame = now;
    }
    CommandResult r;
    r.kind = c.index();
    if ((std::holds_alternative<Retract>(c) || std::holds_alternative<Insert>(c)) &&
        gen.pulse.has_value() && gen.relay_closed) {
      ++motion_while_rf;
    }
    if (const auto* h = std::get_if<Heartbeat>(&c)) {
      if (h->board == Board::kGenerator) {
        gen.rf_permitted = h->rf_permitted;
        if (!h->rf_permitted) {
          gen.rf_off();
        }
      }
      return;  // heartbeats are not acknowledged
    }
    if (const auto* p = std::get_if<DeliverPulse>(&c)) {
      if (gen.refuse_pulses || p->epoch < gen.epoch) {
        r.code = CommandResultCode::kRefusedEpoch;
      } else if (p->expires_at_board_us < gen.time_us) {
        r.code = CommandResultCode::kRefusedExpired;
      } else if (!act.sample.at_depth_line) {
        r.code = CommandResultCode::kRefusedNotAtDepth;
      } else if (!gen.rf_permitted) {
        r.code = CommandResultCode::kRefusedNotPermitted;
      } else {
        gen.pulse = *p;
        gen.pulse_elapsed = Duration{0};
        gen.sample.energy = Microjoules{0};
        gen.sample.pulse_id = p->pulse_id;
      }
    } else if (const auto* a = std::get_if<Abort>(&c)) {
      gen.epoch = a->epoch;
      gen.rf_off();
    } else if (std::holds_alternative<RelayOpen>(c)) {
      gen.relay_closed = gen.relay_stuck_closed;
      gen.rf_off();
    } else if (std::holds_alternative<RelayClose>(c)) {
      // The relay stays open while a latch holds (SR-23).
      if (gen.latched != 0 || gen.estop) {
        r.code = CommandResultCode::kFailed;
      } else {
        gen.relay_closed = true;
      }
    } else if (const auto* m = std::get_if<MeasureImpedance>(&c)) {
      if (!gen.answers_measurements) {
        return;
      }
      // The measurement's own result: every sample at what the load reads now.
      const Ohms z = act.position > Micrometres{100}
                         ? gen.measurement_override.value_or(gen.tissue_impedance)
                         : gen.open_impedance;
      r.sequence = m->sequence + gen.measurement_sequence_skew;
      r.impedance = ImpedanceReading{z, z, z, gen.measurement_samples};
    } else if (std::holds_alternative<Configure>(c) ||
               std::holds_alternative<ConfigureNeedles>(c)) {
      if (act.refuse_configure) {
        r.code = CommandResultCode::kRefusedLimit;
      }
    } else if (std::holds_alternative<CartridgeRead>(c)) {
      r.cartridge = act.cartridge;
    } else if (const auto* b = std::get_if<CartridgeBind>(&c)) {
      if (act.cartridge.bound_session != 0 && act.cartridge.bound_session != b->session_id) {
        r.code = CommandResultCode::kRefusedCartridge;
      } else {
        act.cartridge.bound_session = b->session_id;
        act.today = std::max(act.today, b->today);
      }
      r.cartridge = act.cartridge;
    } else if (const auto* consume = std::get_if<CartridgeConsume>(&c)) {
      act.today = std::max(act.today, consume->today);
      if (act.cartridge.pulses_used >= act.cartridge.pulse_limit) {
        r.code = CommandResultCode::kRefusedCartridge;
      } else {
        ++act.cartridge.pulses_used;
      }
      r.cartridge = act.cartridge;
    } else if (const auto* i = std::get_if<Insert>(&c)) {
      if (act.today > act.cartridge.expiry_day ||
          act.cartridge.pulses_used >= act.cartridge.pulse_limit) {
        r.code = CommandResultCode::kRefusedCartridge;
      } else {
        act.target = i->depth;
      }
    } else if (std::holds_alternative<Retract>(c)) {
      act.target = Micrometres{0};
    } else if (std::holds_alternative<Home>(c)) {
      act.target = Micrometres{0};
      act.homed = true;
    } else if (std::holds_alternative<HaltMotor>(c)) {
      act.target = act.position;
    } else if (const auto* clear = std::get_if<ClearLatchedFault>(&c)) {
      // Like the firmware: only the named bits, and never one whose cause is present.
      std::uint32_t& latched = clear->board == Board::kGenerator ? gen.latched : act.latched;
      const bool estop = clear->board == Board::kGenerator ? gen.estop : act.estop;
      latched &= ~(clear->mask & ~(estop ? board_fault::kEStop : 0u));
      if ((latched & clear->mask) != 0) {
        r.code = CommandResultCode::kFailed;
      }
    }
    results.push_back(r);
  }

  // One millisecond of board time.
  void advance(Instant now) {
    gen.time_us += 1000;
    act.time_us += 1000;
    // Dead-man (DESIGN 3): no valid frame for 50 ms.
    if (now - gen.last_frame > milliseconds(50)) {
      gen.latched |= board_fault::kDeadMan;
      gen.rf_off();
    }
    if (now - act.last_frame > milliseconds(50)) {
      act.latched |= board_fault::kDeadMan;
    }
    // E-stop (SR-50): like the firmware, both boards latch it; the generator turns RF off
    // and opens its relay.
    if (gen.estop) {
      gen.latched |= board_fault::kEStop;
      gen.rf_off();
      gen.relay_closed = gen.relay_stuck_closed;
    }
    if (act.estop) {
      act.latched |= board_fault::kEStop;
    }
    const bool rf = gen.pulse.has_value() && gen.relay_closed;
    // Needles move only while RF-active is low (the interlock line).
    const bool may_move = !rf && !act.stalled && !(act.jammed && act.target < act.position);
    if (may_move && act.position != act.target) {
      const Micrometres step = act.speed_per_ms;
      if (act.position < act.target) {
        act.position = std::min(act.position + step, act.target);
      } else {
        act.position = std::max(act.position - step, act.target);
      }
    }
    const bool inserted = act.position > Micrometres{100};
    if (rf) {
      gen.pulse_elapsed += milliseconds(1);
      const Milliwatts power = gen.power_override.value_or(gen.pulse->power);
      gen.sample.power = power;
      gen.sample.energy += energy(power, milliseconds(1));
      gen.sample.impedance = gen.impedance_override.value_or(gen.tissue_impedance);
      if (gen.pulse_elapsed >= gen.pulse->duration && !gen.stuck_on && !gen.duration_timer_broken) {
        gen.pulse.reset();
      } else if (gen.pulse_elapsed >= milliseconds(1000) && !gen.stuck_on) {
        // The board's own conduction cap (SR-18): RF off and latched.
        gen.pulse.reset();
        gen.latched |= board_fault::kPulseTimeCap;
      }
    } else {
      gen.sample.power = Milliwatts{0};
      gen.sample.impedance = inserted ? gen.tissue_impedance : gen.open_impedance;
    }
    GeneratorSample& g = gen.sample;
    ++g.sample_counter;
    g.board_time_us = gen.time_us;
    g.rf_active = rf;
    g.relay_closed = gen.relay_closed;
    g.heatsink = gen.heatsink;
    g.estop = gen.estop;
    g.latched_faults = gen.latched;

    ActuatorSample& a = act.sample;
    ++a.sample_counter;
    a.board_time_us = act.time_us;
    a.motor_position = act.position;
    a.encoder_position = act.position + act.encoder_slip;
    a.target_position = act.target;
    a.homed = act.homed;
    a.at_depth_line =
        !act.at_depth_line_dead && act.target > Micrometres{0} && act.position == act.target;
    a.rf_active_line = rf;
    a.trigger_a = act.trigger_a;
    a.trigger_b = act.trigger_b;
    a.skin_temp_a = act.skin_a;
    a.skin_temp_b = act.skin_b;
    a.cartridge_present = act.cartridge_present;
    a.estop = act.estop;
    a.latched_faults = act.latched;
    a.motor_stalled = act.stalled && act.position != act.target;
    g.at_depth_line = a.at_depth_line;
  }
};

}  // namespace rfneedle::core::testing
