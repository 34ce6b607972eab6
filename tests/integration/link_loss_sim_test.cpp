// A serial device removed mid-pulse, against the real rfneedle-sim: rfneedled's two threads
// in-process (SafetyLoop on its own thread, CoreGateway and a MemoryStore on the test's),
// the generator's cable pulled with the simulator's `unplug` while RF is on. Assertions
// use the simulator's clock and ground truth (`history`), never the test's timing: the
// wall-clock limits below only say when to give up.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <regex>
#include <string>
#include <thread>

#include "controller/daemon/core_gateway.h"
#include "controller/daemon/memory_store.h"
#include "controller/daemon/safety_loop.h"
#include "tests/integration/in_process_daemon.h"
#include "tests/integration/sim_process_fixture.h"
#include "tests/support/device_processes.h"

namespace rfneedle::testing {
namespace {

using daemon::CoreGateway;
using daemon::CoreReply;
using daemon::SafetyLoop;

constexpr int kAttempts = 6;

// A number field of the simulator's status JSON. No regex: the test's thread plays
// rfneedled's service thread, and a long burst of work on it keeps the kernel's
// pseudo-terminal worker waiting (sim_process_fixture.cpp).
std::optional<std::int64_t> field(const std::string& json, const std::string& name) {
  const std::string key = "\"" + name + "\":";
  const std::size_t at = json.find(key);
  if (at == std::string::npos) return std::nullopt;
  const char* begin = json.c_str() + at + key.size();
  char* end = nullptr;
  const long long value = std::strtoll(begin, &end, 10);
  if (end == begin) return std::nullopt;
  return value;
}

// One true RF interval of the simulator's `history`.
struct TruePulse {
  std::int64_t n = 0;
  std::int64_t rf_on_us = 0;
  std::optional<std::int64_t> rf_off_us;
  std::int64_t energy_uj = 0;
};

std::optional<TruePulse> last_true_pulse(const std::string& history) {
  static const std::regex pulse(
      R"re(\{"n":([0-9]+),"rf_on_us":([0-9]+),"rf_off_us":(null|[0-9]+),"energy_uj":([0-9]+))re");
  std::optional<TruePulse> last;
  for (auto it = std::sregex_iterator(history.begin(), history.end(), pulse);
       it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    TruePulse p{std::stoll(m[1].str()), std::stoll(m[2].str()), std::nullopt,
                std::stoll(m[4].str())};
    if (m[3].str() != "null") p.rf_off_us = std::stoll(m[3].str());
    last = p;
  }
  return last;
}

// A long, gentle pulse, so the cable can be pulled while RF is on: 3 W for 400 ms.
core::PulseParameters parameters() {
  core::PulseParameters p;
  p.power = watts(3);
  p.duration = milliseconds(400);
  p.depth = Micrometres{2000};
  return p;
}

// With the store rfneedled would give the gateway, and its identity for the sessions.
class Daemon : public InProcessDaemon<daemon::MemoryStore> {
 public:
  explicit Daemon(SimProcessFixture& sim) : InProcessDaemon(sim, gateway_options()), sim_(sim) {}

  // Clears a latched Fault once its cause is gone (the operator's acknowledge); the
  // ServiceLock of SR-56 that the host's telemetry gaps over several attempts reached in
  // the session, by a service reset with a reason.
  bool acknowledge_until_clear() {
    return run_until(
        [&] {
          if (state() == core::State::kServiceLock && in_effect(core::Condition::kRepeatedFault)) {
            (void)ask(daemon::ServiceReset{"telemetry gaps of the test host's scheduling"});
          }
          if (state() != core::State::kFault && state() != core::State::kServiceLock) return true;
          (void)ask(daemon::Acknowledge{});
          return run_until(
              [&] {
                return state() != core::State::kFault && state() != core::State::kServiceLock;
              },
              std::chrono::milliseconds(300));
        },
        std::chrono::seconds(15));
  }

  // Closes the session, swaps the cartridge (bound to that session) and opens another.
  bool start_new_session() {
    (void)ask(daemon::Disarm{});
    if (!run_until([&] { return state() == core::State::kStandby; })) return false;
    (void)ask(daemon::CloseSession{});
    sim_.control("cartridge remove");
    if (!run_until([&] { return !gateway.status().cartridge.has_value(); })) return false;
    sim_.control("cartridge swap");
    if (!run_until([&] {
          const auto& c = gateway.status().cartridge;
          return c && c->bound_session == 0 && c->pulses_used == 0;
        })) {
      return false;
    }
    core::SessionRequest r = cheek_session("P-IT-" + std::to_string(++sessions_));
    return ask(daemon::OpenSession{r, {}, ""}).ok() &&
           ask(daemon::SetParameters{parameters()}).ok();
  }

 private:
  SimProcessFixture& sim_;
  int sessions_ = 2;
  static daemon::CoreGatewayOptions gateway_options() {
    daemon::CoreGatewayOptions o;
    o.software_version = "0.1.0+test";
    o.configuration_hash = "c0ffee";
    return o;
  }
};

std::vector<daemon::StoredEvent> all_events(daemon::Store& store) {
  daemon::EventQuery q;
  q.limit = 10'000;
  return store.events(q);
}

std::string raised(daemon::Store& store) {
  std::string out;
  for (const auto& e : all_events(store)) {
    if (e.kind == core::EventKind::kConditionRaised && e.condition) {
      out += std::string(core::spec(*e.condition).name) + " in " +
             std::string(core::name(e.state)) + "; ";
    }
  }
  return out;
}

// Verifies: SR-39, SR-33, SR-70
TEST(LinkLossAgainstSim, AGeneratorUnpluggedMidPulseIsCutByItsDeadManAndItsRecordIsCompleted) {
  SimProcessFixture sim;
  Daemon d(sim);
  ASSERT_TRUE(d.run_until([&] { return d.state() == core::State::kStandby; }))
      << "state " << core::name(d.state()) << "; sim: " << sim.sim().standard_error();

  ASSERT_TRUE(d.ask(daemon::OpenSession{cheek_session("P-IT-0002"), {}, ""}).ok());
  ASSERT_TRUE(d.ask(daemon::SetParameters{parameters()}).ok());
  ASSERT_TRUE(d.run_until([&] { return !d.in_effect(core::Condition::kBoardSetupPending); }));

  // Each attempt: arm, press, pull the generator's cable once RF has run ~80 ms. A Fault
  // the core raised before the cable was pulled (a telemetry gap: the host's scheduling,
  // SR-40) ends that pulse early; it is acknowledged and the pulse tried again.
  std::string unplugged;
  std::uint64_t pulse_id = 0;
  std::optional<TruePulse> truth;
  for (int attempt = 0; attempt < kAttempts && !truth; ++attempt) {
    ASSERT_TRUE(d.acknowledge_until_clear()) << raised(d.store);
    if (attempt > 0) {
      // SR-56 counts faults per session: an attempt the host's gaps ended leaves its
      // fault in this one, so each retry treats on a new session and a fresh cartridge.
      ASSERT_TRUE(d.start_new_session()) << raised(d.store);
    }
    ASSERT_TRUE(d.run_until([&] {
      return d.state() == core::State::kStandby || d.state() == core::State::kReady;
    })) << core::name(d.state());
    if (d.state() == core::State::kStandby) {
      const CoreReply armed = d.ask(daemon::Arm{});
      ASSERT_TRUE(armed.ok()) << armed.reason;
    }
    // The inter-pulse interval and the record wait, after an earlier attempt.
    ASSERT_TRUE(d.run_until([&] {
      return !d.in_effect(core::Condition::kInterPulseInterval) &&
             !d.in_effect(core::Condition::kRecordNotStored);
    }));
    sim.control("trigger press");
    // The simulator is asked at most every 20 ms, and only while the core is energizing:
    // it answers on the thread that paces both boards' output.
    auto asked_at = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    const bool energizing = d.run_until(
        [&] {
          if (d.state() == core::State::kFault) {
            return true;
          }
          if (d.state() != core::State::kEnergizing ||
              std::chrono::steady_clock::now() - asked_at < std::chrono::milliseconds(20)) {
            return false;
          }
          asked_at = std::chrono::steady_clock::now();
          const std::string status = sim.control("status");
          return status.find("\"rf_on\":true") != std::string::npos &&
                 field(status, "pulse_energy_uj").value_or(0) >= 240'000;
        },
        std::chrono::seconds(5));
    if (!energizing || d.state() != core::State::kEnergizing) {
      sim.control("trigger release");
      continue;  // the host's scheduling ended it first
    }
    pulse_id = d.gateway.status().last_pulse_id;
    const std::int64_t steps_before = field(sim.control("status"), "clock_steps").value_or(0);
    unplugged = sim.control("unplug generator");
    ASSERT_THAT(unplugged, ::testing::HasSubstr("\"plugged\":false")) << unplugged;
    std::optional<TruePulse> last;
    ASSERT_TRUE(d.run_until(
        [&] {
          last = last_true_pulse(sim.control("history"));
          return last && last->rf_off_us;
        },
        std::chrono::seconds(5)));
    sim.control("trigger release");
    // The simulator fell more than 20 ms behind the host's clock and stepped its boards'
    // clock (docs/simulator.md): its dead-man timing is then the host's, no board's.
    const std::string after = sim.control("status");
    const bool clock_stepped = field(after, "clock_steps").value_or(0) != steps_before;
    // A command written before the cable went (an abort after a telemetry gap the host
    // caused) may still reach the board and end RF before its dead-man does.
    const bool ended_by_dead_man =
        (field(after, "generator_latched_faults").value_or(0) & 0x2) != 0;
    if (*last->rf_off_us < field(unplugged, "sim_time_us").value_or(0) || clock_stepped ||
        !ended_by_dead_man) {
      // RF ended before the cable went (the core had already faulted) or by a command
      // still in flight, or the host held the simulator up. Again.
      std::printf("attempt %d not judged: RF off at %lld us, cable pulled at %lld us, clock %s, "
                  "dead-man %s\n",
                  attempt, static_cast<long long>(*last->rf_off_us),
                  static_cast<long long>(field(unplugged, "sim_time_us").value_or(0)),
                  clock_stepped ? "stepped" : "steady",
                  ended_by_dead_man ? "latched" : "not latched");
      // The lost line latched a link fault (SR-33), which the next attempt's acknowledge
      // clears once the generator is back. Waiting for it also brings the test's view of
      // the core up to date: nothing was pumped since the cable was pulled.
      ASSERT_THAT(sim.control("plug generator"), ::testing::HasSubstr("\"plugged\":true"));
      ASSERT_TRUE(d.run_until([&] { return d.in_effect(core::Condition::kLinkFault); }))
          << raised(d.store);
      continue;
    }
    truth = last;
  }
  if (!truth) {
    // The host caveat (docs/operations.md, "Testing with the real processes"): every
    // attempt lost while the simulated boards' or the controller's own 1 kHz tick woke over
    // 2 ms late is the host's starvation, which no board on its own processor and no
    // real-time safety thread meets; the test cannot judge.
    const std::int64_t worst_late_us = worst_tick_late_us();
    if (worst_late_us > kTickStarvedUs) {
      GTEST_SKIP() << "all " << kAttempts << " attempts lost to the host (a simulated "
                   << "board's or the controller's tick at worst " << worst_late_us
                   << " us late): " << raised(d.store);
    }
  }
  ASSERT_TRUE(truth.has_value()) << "no attempt of " << kAttempts
                                 << " kept RF on until the unplug: " << raised(d.store);

  // SR-39: RF off by the generator's own dead-man, at most 51 ms after the last valid
  // frame it received, in the simulator's clock.
  const std::int64_t last_frame_us = field(unplugged, "last_frame_us").value_or(-1);
  ASSERT_GE(last_frame_us, 0) << unplugged;
  EXPECT_GT(*truth->rf_off_us, last_frame_us);
  EXPECT_LE(*truth->rf_off_us - last_frame_us, 51'000)
      << "RF off " << *truth->rf_off_us << " us, last frame " << last_frame_us
      << " us; sim: " << sim.control("status");
  const std::string status = sim.control("status");
  EXPECT_EQ(field(status, "generator_latched_faults").value_or(0) & 0x2, 0x2)
      << "FAULT_DEAD_MAN latched: " << status;

  // SR-33: the core holds the latched fault with the link gone; it never went back to
  // Connecting.
  ASSERT_TRUE(d.run_until([&] {
    const auto p = d.store.pulse(pulse_id);
    return p && p->record.outcome != core::PulseOutcome::kStarted;
  })) << "no final record of pulse "
      << pulse_id;
  EXPECT_EQ(d.state(), core::State::kFault);
  EXPECT_TRUE(d.in_effect(core::Condition::kLinkFault)) << raised(d.store);
  const daemon::StoredPulse before = *d.store.pulse(pulse_id);
  EXPECT_FALSE(before.reconciled);
  // What the core saw ends with the last telemetry sample: short of the truth.
  EXPECT_LT(static_cast<double>(before.record.delivered_energy.value()),
            0.9 * static_cast<double>(truth->energy_uj));

  // SR-70: plugged back, the generator answers a new handshake; the daemon reads its
  // pulse log and completes the record of the pulse in flight with the energy the board
  // delivered.
  ASSERT_THAT(sim.control("plug generator"), ::testing::HasSubstr("\"plugged\":true"));
  ASSERT_TRUE(d.run_until([&] {
    const auto p = d.store.pulse(pulse_id);
    return p && p->reconciled;
  })) << "pulse "
      << pulse_id << " not reconciled; " << raised(d.store);
  const daemon::StoredPulse after = *d.store.pulse(pulse_id);
  const double true_energy = static_cast<double>(truth->energy_uj);
  EXPECT_NEAR(static_cast<double>(after.record.delivered_energy.value()), true_energy,
              0.03 * true_energy);
  const double true_rf_us = static_cast<double>(*truth->rf_off_us - truth->rf_on_us);
  EXPECT_NEAR(static_cast<double>(after.record.rf_time.count()), true_rf_us, 2'000.0);
  EXPECT_EQ(after.record.outcome, core::PulseOutcome::kFaulted);
  // Still the latched Fault, with its link fault, until the operator acknowledges.
  EXPECT_EQ(d.state(), core::State::kFault);
  EXPECT_TRUE(d.in_effect(core::Condition::kLinkFault));

  // The acknowledge succeeds only once the cause is gone: the link is back.
  ASSERT_TRUE(d.acknowledge_until_clear()) << raised(d.store);
  EXPECT_EQ(d.state(), core::State::kStandby);
  EXPECT_FALSE(d.in_effect(core::Condition::kLinkFault));
  // Exactly once: one reconciliation, the record unchanged by anything after it.
  int reconciliations = 0;
  for (const auto& e : all_events(d.store)) {
    if (e.kind == core::EventKind::kPulsesReconciled) ++reconciliations;
  }
  EXPECT_EQ(reconciliations, 1);
  EXPECT_EQ(d.store.pulse(pulse_id)->record.delivered_energy, after.record.delivered_energy);

  // The session names the build, the configuration and both boards (issue 9).
  const auto recorded = d.store.session(d.gateway.status().session_id);
  ASSERT_TRUE(recorded.has_value());
  EXPECT_EQ(recorded->software_version, "0.1.0+test");
  EXPECT_EQ(recorded->configuration_hash, "c0ffee");
  EXPECT_EQ(recorded->generator_serial, "SIM-GEN-0001");
  EXPECT_EQ(recorded->actuator_serial, "SIM-ACT-0001");
  EXPECT_EQ(recorded->generator_firmware, "sim-1.0.0");
  ASSERT_TRUE(d.store.board_identity(core::Board::kGenerator).has_value());
  EXPECT_EQ(d.store.board_identity(core::Board::kGenerator)->serial, "SIM-GEN-0001");

  d.shut_down();
  EXPECT_EQ(d.gateway.unstored(), 0u);
}

}  // namespace
}  // namespace rfneedle::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PATH_TO_RFNEEDLE_SIM\n", argv[0]);
    return 2;
  }
  rfneedle::testing::g_sim_program = argv[1];
  return RUN_ALL_TESTS();
}
