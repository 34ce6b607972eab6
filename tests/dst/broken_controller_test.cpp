// Broken controllers (DESIGN 2.2, issue 12): seeded random sessions in which the test plays
// a controller that misbehaves against both simulated boards (tests/unit/simfw's
// DeviceBench: the real firmware and physics over the faulty byte channel on the virtual
// clock): it stops its heartbeats, falls silent, writes garbage, sends commands out of
// order, repeats them, uses stale epochs and expired pulses, asks for pulses with the
// needles out and over the board's caps, moves the needles during pulses. Whatever it does,
// the boards' own limits keep RF within theirs; each is checked against the ground truth
// every millisecond and cites its requirement.
//
//   broken_controller_test [--first N] [--count M] [--seed N] [gtest options]
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "hal/frame.h"
#include "tests/unit/simfw/device_bench.h"

namespace rfneedle::testing {
namespace {

enum class BoardLimit : std::uint8_t {
  kPulseTimeCap,    // SR-18
  kPowerCeiling,    // SR-17
  kEnergyCap,       // SR-19
  kAtDepthLine,     // SR-08
  kDeadMan,         // SR-39
  kGate,            // SR-34, SR-35, SR-36
  kRfActiveMotion,  // SR-09
  kRfPermitted,     // SR-37
};
constexpr std::size_t kLimitCount = 8;

constexpr const char* kLimitNames[kLimitCount] = {
    "pulse-time-cap", "power-ceiling", "energy-cap", "at-depth-line",
    "dead-man",       "gate",          "rf-active-motion", "rf-permitted"};

constexpr Duration kTick = milliseconds(1);
constexpr std::uint32_t kEnergyCeilingUj = 3'038'000;
constexpr std::uint32_t kOneSampleAtMaxPowerUj = 50'000;

struct Result {
  std::uint64_t seed = 0;
  std::optional<BoardLimit> broken;
  std::string what;
  std::string log;
  int pulses = 0;          // delivered, by the generator's pulse log
  std::set<std::string> tried;  // the misbehaviours tried
  Duration simulated{};
};

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return uniform() < p; }
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(engine_() % static_cast<std::uint64_t>(hi - lo + 1));
  }

 private:
  std::mt19937_64 engine_;
};

class BrokenSession {
 public:
  explicit BrokenSession(std::uint64_t seed, bool verbose)
      : seed_(seed), verbose_(verbose), rng_(seed * 0xD1B54A32D192ED03ULL + 7),
        bench_(options(seed)) {}

  Result run() {
    Result r;
    r.seed = seed_;
    bench_.make_ready(static_cast<std::uint32_t>(rng_.between(10, 30) * 100));
    const Instant start = bench_.now();
    const Instant end = start + milliseconds(rng_.between(3'000, 8'000));
    while (bench_.now() < end && !broken_) {
      act();
      bench_.run_for(kTick);
      check();
    }
    r.broken = broken_;
    r.what = what_;
    r.pulses = static_cast<int>(executed_.size());
    r.tried = tried_;
    r.simulated = bench_.now() - start;
    for (const std::string& l : log_) r.log += "  " + l + "\n";
    return r;
  }

 private:
  static sim::SimulatedDeviceOptions options(std::uint64_t seed) {
    sim::SimulatedDeviceOptions o;
    o.seed = seed;
    o.cartridge->needle_count = 49;
    return o;
  }

  void note(const std::string& s) {
    const auto us = bench_.now().time_since_epoch().count();
    std::string line = std::to_string(us / 1000) + "." + std::to_string(us % 1000 / 100) + " " + s;
    if (verbose_) std::printf("%s\n", line.c_str());
    log_.push_back(std::move(line));
    if (log_.size() > 40) log_.erase(log_.begin());
  }

  std::uint64_t board_us() const {
    const sim::GeneratorFirmware* g = bench_.device.generator();
    return g ? g->board_us(bench_.now()) : 0;
  }

  // A pulse command as the broken controller builds it, sent without waiting for the
  // answer. `must_not`: the board must never execute it.
  void pulse(std::uint32_t power_mw, std::uint32_t duration_ms, std::uint32_t cap_uj,
             std::uint32_t epoch, std::int64_t expiry_offset_us, bool must_not,
             const char* kind) {
    device::GeneratorCommand c;
    device::DeliverPulse& p = *c.mutable_deliver_pulse();
    const std::uint64_t id = ++next_pulse_id_;
    p.set_pulse_id(id);
    p.set_power_mw(power_mw);
    p.set_duration_ms(duration_ms);
    p.set_energy_cap_uj(cap_uj);
    p.set_epoch(epoch);
    p.set_expires_at_board_us(
        static_cast<std::uint64_t>(static_cast<std::int64_t>(board_us()) + expiry_offset_us));
    (void)bench_.send(c);
    caps_[id] = cap_uj;
    if (must_not) must_not_.insert(id);
    tried_.insert(kind);
    note(std::string("pulse ") + std::to_string(id) + " " + kind + " " +
         std::to_string(power_mw) + " mW " + std::to_string(duration_ms) + " ms cap " +
         std::to_string(cap_uj) + " epoch " + std::to_string(epoch));
  }

  void move(device::NeedleMotion motion, std::uint32_t depth_um = 0) {
    device::ActuatorCommand c;
    c.mutable_move_needle()->set_motion(motion);
    if (depth_um != 0) c.mutable_move_needle()->set_depth_um(depth_um);
    (void)bench_.send(c);
  }

  void act() {
    if (silent_until_ && bench_.now() >= *silent_until_) {
      silent_until_.reset();
      bench_.controller_silent = false;
      bench_.heartbeats = true;
      note("controller talks again");
    }
    if (silent_until_) return;
    const std::uint32_t epoch = bench_.epoch;
    const auto power = [&] { return static_cast<std::uint32_t>(rng_.between(1'000, 50'000)); };
    const auto duration = [&] { return static_cast<std::uint32_t>(rng_.between(10, 1'000)); };
    if (rng_.chance(0.004)) {
      pulse(power(), duration(), static_cast<std::uint32_t>(rng_.between(1'000, kEnergyCeilingUj)),
            epoch, 15'000, false, "valid");
    }
    if (rng_.chance(0.0015)) {
      switch (rng_.between(0, 3)) {
        case 0:
          pulse(static_cast<std::uint32_t>(rng_.between(50'001, 60'000)), duration(), 1'000'000,
                epoch, 15'000, true, "over-power");
          break;
        case 1:
          pulse(power(), static_cast<std::uint32_t>(rng_.between(1'001, 5'000)), 1'000'000, epoch,
                15'000, true, "over-duration");
          break;
        case 2:
          pulse(power(), duration(),
                static_cast<std::uint32_t>(rng_.between(kEnergyCeilingUj + 1, 5'000'000)), epoch,
                15'000, true, "over-energy-cap");
          break;
        default:
          pulse(power(), static_cast<std::uint32_t>(rng_.between(1'001, 100'000)), 1'000'000,
                epoch, 15'000, true, "far-over-duration");
          break;
      }
    }
    if (rng_.chance(0.0015) && epoch > 0) {
      pulse(power(), duration(), 1'000'000, static_cast<std::uint32_t>(rng_.between(0, epoch - 1)),
            15'000, true, "stale-epoch");
    }
    if (rng_.chance(0.0015)) {
      pulse(power(), duration(), 1'000'000, epoch, -rng_.between(1, 50'000), true, "expired");
    }
    if (rng_.chance(0.001)) {
      // An abort: the epoch rises; later pulses of the old one are stale.
      device::GeneratorCommand c;
      c.mutable_abort()->set_epoch(epoch + 1);
      (void)bench_.send(c);
      bench_.epoch = epoch + 1;
      note("abort to epoch " + std::to_string(epoch + 1));
    }
    if (rng_.chance(0.001) && !executed_.empty()) {
      // The same pulse command again: executed once at most.
      device::GeneratorCommand c;
      device::DeliverPulse& p = *c.mutable_deliver_pulse();
      const std::uint64_t id = *executed_.rbegin();
      p.set_pulse_id(id);
      p.set_power_mw(10'000);
      p.set_duration_ms(50);
      p.set_energy_cap_uj(1'000'000);
      p.set_epoch(epoch);
      p.set_expires_at_board_us(board_us() + 15'000);
      (void)bench_.send(c);
      tried_.insert("duplicate");
      duplicates_.insert(id);
      note("pulse " + std::to_string(id) + " again");
    }
    if (rng_.chance(0.001)) {
      // A reliable frame far ahead of the sequence: never executed.
      device::GeneratorCommand c;
      device::DeliverPulse& p = *c.mutable_deliver_pulse();
      const std::uint64_t id = ++next_pulse_id_;
      c.set_command_id(60'000);
      p.set_pulse_id(id);
      p.set_power_mw(10'000);
      p.set_duration_ms(100);
      p.set_energy_cap_uj(1'000'000);
      p.set_epoch(epoch);
      p.set_expires_at_board_us(board_us() + 15'000);
      const std::string payload = c.SerializeAsString();
      hal::FrameHeader header;
      header.flags = hal::frame_flags::kReliable;
      header.seq = static_cast<std::uint16_t>(
          bench_.generator.session.stats().reliable_sent + 1'000 +
          static_cast<std::uint64_t>(rng_.between(0, 20'000)));
      std::array<std::uint8_t, 300> out{};
      const std::size_t n = hal::encode_frame(
          header,
          std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()), out);
      bench_.generator_line.send_from_a(std::span(out.data(), n));
      must_not_.insert(id);
      tried_.insert("out-of-order");
      note("pulse " + std::to_string(id) + " out of order");
    }
    if (rng_.chance(0.0015)) {
      // Garbage on a line.
      std::array<std::uint8_t, 96> junk{};
      for (auto& b : junk) b = static_cast<std::uint8_t>(rng_.between(0, 255));
      const std::size_t n = static_cast<std::size_t>(rng_.between(1, 96));
      const bool generator = rng_.chance(0.5);
      (generator ? bench_.generator_line : bench_.actuator_line)
          .send_from_a(std::span(junk.data(), n));
      tried_.insert("garbage");
      note(std::to_string(n) + " bytes of garbage to the " +
           (generator ? "generator" : "actuator"));
      if (generator && rf_forbidden_at_) {
        // The next frame may be lost with the garbage (the decoder resynchronises at the
        // next delimiter, SR-32): the heartbeat after it counts.
        rf_forbidden_at_ = bench_.now();
      }
    }
    if (rng_.chance(0.0007)) {
      bench_.heartbeats = false;
      silent_until_ = bench_.now() + milliseconds(rng_.between(20, 300));
      tried_.insert("no-heartbeats");
      note("heartbeats stop");
    }
    if (rng_.chance(0.0005)) {
      bench_.controller_silent = true;
      silent_until_ = bench_.now() + milliseconds(rng_.between(20, 300));
      tried_.insert("silent");
      note("controller silent");
    }
    if (rng_.chance(0.002)) {
      bench_.rf_permitted = !bench_.rf_permitted;
      note(bench_.rf_permitted ? "heartbeats permit RF" : "heartbeats do not permit RF");
    }
    if (rng_.chance(0.0015)) {
      move(device::NEEDLE_MOTION_RETRACT);
      tried_.insert("retract");
      note("retract");
    }
    if (rng_.chance(0.002)) {
      move(device::NEEDLE_MOTION_INSERT, static_cast<std::uint32_t>(rng_.between(10, 30) * 100));
      note("insert");
    }
    if (rng_.chance(0.001)) {
      // Latches cleared and the relay closed again, as a controller that ignores why.
      device::GeneratorCommand g;
      g.mutable_clear_latched_faults()->set_faults(0xFFFF'FFFEu);
      (void)bench_.send(g);
      device::ActuatorCommand a;
      a.mutable_clear_latched_faults()->set_faults(0xFFFF'FFFEu);
      (void)bench_.send(a);
      device::GeneratorCommand relay;
      relay.mutable_set_relay()->set_closed(true);
      (void)bench_.send(relay);
      bench_.rf_permitted = true;
      note("clear latches, close the relay, permit RF");
    }
  }

  void fail(BoardLimit limit, const std::string& what) {
    if (broken_) return;
    broken_ = limit;
    what_ = what;
    note(std::string("BROKEN ") + kLimitNames[static_cast<std::size_t>(limit)] + ": " + what);
  }

  void check() {
    const Instant now = bench_.now();
    const sim::GroundTruth t = bench_.device.ground_truth();
    // New entries of the generator's pulse log.
    const sim::GeneratorMemory& m = bench_.device.generator_memory();
    while (lifetime_seen_ < m.lifetime_pulses) {
      const std::uint64_t behind = m.lifetime_pulses - lifetime_seen_;
      ++lifetime_seen_;
      if (behind > m.pulse_log.size()) continue;
      const sim::PulseRecord& p = m.pulse_log[m.pulse_log.size() - behind];
      note("logged pulse " + std::to_string(p.pulse_id) + " " +
           std::to_string(p.delivered_energy_uj) + " uJ " +
           std::to_string(p.delivered_duration_us) + " us");
      if (must_not_.count(p.pulse_id) != 0 || !executed_.insert(p.pulse_id).second) {
        fail(BoardLimit::kGate, "pulse " + std::to_string(p.pulse_id) + " executed");
        return;
      }
      const auto cap = caps_.find(p.pulse_id);
      const std::uint32_t limit = cap == caps_.end() ? kEnergyCeilingUj : cap->second;
      if (p.delivered_energy_uj > limit + kOneSampleAtMaxPowerUj) {
        fail(BoardLimit::kEnergyCap, "pulse " + std::to_string(p.pulse_id) + " delivered " +
                                         std::to_string(p.delivered_energy_uj) + " uJ, cap " +
                                         std::to_string(limit));
        return;
      }
    }
    // SR-18: no pulse conducts longer than 1000 ms.
    rf_on_for_ = t.rf_on ? rf_on_for_ + kTick : Duration::zero();
    if (rf_on_for_ > milliseconds(1'001)) {
      fail(BoardLimit::kPulseTimeCap, "RF on for " + std::to_string(rf_on_for_.count() / 1000) +
                                          " ms");
      return;
    }
    // SR-17: never more than 50 W (the measurement's noise aside).
    if (t.delivered_power > Milliwatts{52'500}) {
      fail(BoardLimit::kPowerCeiling,
           "delivered " + std::to_string(t.delivered_power.value()) + " mW");
      return;
    }
    // SR-08: RF off within 1 ms of the at-depth line dropping.
    no_depth_for_ = t.rf_on && !t.lines.needles_at_depth ? no_depth_for_ + kTick : Duration::zero();
    if (no_depth_for_ > milliseconds(1)) {
      fail(BoardLimit::kAtDepthLine, "RF on with the at-depth line low for " +
                                         std::to_string(no_depth_for_.count() / 1000) + " ms");
      return;
    }
    // SR-39: RF off at most 51 ms after the last valid frame.
    if (const sim::GeneratorFirmware* g = bench_.device.generator();
        g != nullptr && t.rf_on && now > g->session().last_valid_frame() + milliseconds(51) + kTick) {
      fail(BoardLimit::kDeadMan, "RF on " +
                                     std::to_string((now - g->session().last_valid_frame()).count() /
                                                    1000) +
                                     " ms after the last valid frame");
      return;
    }
    // SR-37: a heartbeat not permitting RF ends it within 1 ms of its receipt: the next
    // heartbeat is queued within 10 ms, written at the next 1 ms tick, on the line under
    // 1 ms, acted on within 1 ms, and seen here at the next millisecond.
    const bool forbidding = !bench_.rf_permitted && bench_.heartbeats && !bench_.controller_silent;
    if (!forbidding) {
      rf_forbidden_at_.reset();
    } else if (!rf_forbidden_at_) {
      rf_forbidden_at_ = now;
    }
    if (rf_forbidden_at_ && t.rf_on && now > *rf_forbidden_at_ + milliseconds(10 + 1 + 1 + 1 + 1)) {
      fail(BoardLimit::kRfPermitted, "RF on " +
                                         std::to_string((now - *rf_forbidden_at_).count() / 1000) +
                                         " ms after heartbeats stopped permitting it");
      return;
    }
    // SR-09: no needle motion starts while RF-active is high.
    if (previous_) {
      const std::int64_t moved = t.needle_position.value() - previous_->needle_position.value();
      const bool starts = std::llabs(moved) > 20 && std::llabs(previous_moved_) <= 5;
      previous_moved_ = moved;
      if (starts && previous_->lines.rf_active && t.lines.rf_active) {
        fail(BoardLimit::kRfActiveMotion,
             "needles started moving " + std::to_string(moved) + " um with RF-active high");
        return;
      }
    }
    previous_ = t;
  }

  std::uint64_t seed_;
  bool verbose_;
  Rng rng_;
  DeviceBench bench_;
  std::uint64_t next_pulse_id_ = 1000;
  std::map<std::uint64_t, std::uint32_t> caps_;
  std::set<std::uint64_t> must_not_;
  std::set<std::uint64_t> duplicates_;
  std::set<std::uint64_t> executed_;
  std::set<std::string> tried_;
  std::uint64_t lifetime_seen_ = 0;
  std::optional<Instant> silent_until_;
  std::optional<Instant> rf_forbidden_at_;
  Duration rf_on_for_{};
  Duration no_depth_for_{};
  std::optional<sim::GroundTruth> previous_;
  std::int64_t previous_moved_ = 0;
  std::optional<BoardLimit> broken_;
  std::string what_;
  std::vector<std::string> log_;
};

std::uint64_t g_first = 1;
std::uint64_t g_count = 100;
std::optional<std::uint64_t> g_replay;

const std::vector<Result>& results() {
  static const std::vector<Result> all = [] {
    std::vector<Result> out;
    const std::uint64_t first = g_replay.value_or(g_first);
    const std::uint64_t count = g_replay ? 1 : g_count;
    int pulses = 0;
    std::set<int> kinds;
    for (std::uint64_t seed = first; seed < first + count; ++seed) {
      BrokenSession s(seed, g_replay.has_value());
      out.push_back(s.run());
      const Result& r = out.back();
      pulses += r.pulses;
      if (r.broken) {
        std::printf("BROKEN CONTROLLER FAILURE seed %llu: board limit %s: %s\n"
                    "  replay: broken_controller_test --seed %llu\n  last events:\n%s",
                    static_cast<unsigned long long>(seed),
                    kLimitNames[static_cast<std::size_t>(*r.broken)], r.what.c_str(),
                    static_cast<unsigned long long>(seed), r.log.c_str());
      }
    }
    std::printf("broken controllers: %zu sessions, %d pulses delivered\n", out.size(), pulses);
    return out;
  }();
  return all;
}

std::string broken(BoardLimit limit) {
  std::string seeds;
  for (const Result& r : results()) {
    if (r.broken == limit) seeds += " " + std::to_string(r.seed);
  }
  return seeds;
}

// Verifies: SR-18
TEST(BrokenController, NoPulseConductsLongerThan1000ms) {
  EXPECT_EQ(broken(BoardLimit::kPulseTimeCap), "");
}

// Verifies: SR-17
TEST(BrokenController, TheGeneratorNeverDeliversMoreThan50W) {
  EXPECT_EQ(broken(BoardLimit::kPowerCeiling), "");
}

// Verifies: SR-19
TEST(BrokenController, NoPulseDeliversMoreThanItsEnergyCap) {
  EXPECT_EQ(broken(BoardLimit::kEnergyCap), "");
}

// Verifies: SR-08
TEST(BrokenController, NoRfWithTheAtDepthLineLow) {
  EXPECT_EQ(broken(BoardLimit::kAtDepthLine), "");
}

// Verifies: SR-39
TEST(BrokenController, RfEndsWithin51msOfTheLastValidFrame) {
  EXPECT_EQ(broken(BoardLimit::kDeadMan), "");
}

// Verifies: SR-34, SR-35, SR-36
TEST(BrokenController, StaleExpiredOutOfOrderAndRepeatedPulseCommandsAreNeverExecuted) {
  EXPECT_EQ(broken(BoardLimit::kGate), "");
}

// Verifies: SR-09
TEST(BrokenController, NoNeedleMotionStartsWhileRfActiveIsHigh) {
  EXPECT_EQ(broken(BoardLimit::kRfActiveMotion), "");
}

// Verifies: SR-37
TEST(BrokenController, AHeartbeatNotPermittingRfEndsIt) {
  EXPECT_EQ(broken(BoardLimit::kRfPermitted), "");
}

// The misbehaviour must reach the boards while RF is possible, or the tests say nothing.
TEST(BrokenController, TheSessionsDeliverPulsesAndTryEveryMisbehaviour) {
  int pulses = 0;
  std::set<std::string> tried;
  for (const Result& r : results()) {
    pulses += r.pulses;
    tried.insert(r.tried.begin(), r.tried.end());
  }
  EXPECT_GT(pulses, static_cast<int>(results().size()));
  if (results().size() >= 50) {
    for (const char* kind : {"valid", "over-power", "over-duration", "over-energy-cap",
                             "far-over-duration", "stale-epoch", "expired", "duplicate",
                             "out-of-order", "garbage", "no-heartbeats", "silent", "retract"}) {
      EXPECT_EQ(tried.count(kind), 1u) << kind;
    }
  }
}

}  // namespace
}  // namespace rfneedle::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "broken_controller_test: unknown argument '%s'\n", argv[i]);
      return 2;
    }
    char* end = nullptr;
    const unsigned long long v = std::strtoull(argv[i + 1], &end, 10);
    if (end == argv[i + 1] || *end != '\0') {
      std::fprintf(stderr, "broken_controller_test: %s needs a non-negative integer\n", argv[i]);
      return 2;
    }
    ++i;
    if (a == "--first") {
      rfneedle::testing::g_first = v;
    } else if (a == "--count") {
      rfneedle::testing::g_count = v;
    } else if (a == "--seed") {
      rfneedle::testing::g_replay = v;
    } else {
      std::fprintf(stderr,
                   "broken_controller_test: unknown argument '%s' (use --first N, --count M, "
                   "--seed N)\n",
                   argv[i - 1]);
      return 2;
    }
  }
  return RUN_ALL_TESTS();
}
