// rfneedled's two threads in-process (SafetyLoop on its own thread, CoreGateway on the
// test's, a fake store) against the real rfneedle-sim over pseudo-terminals. Assertions
// use the simulator's ground truth (its `history`) and the boards' counters, never the
// test's timing: the wall-clock limits below only say when to give up.
//
// Host caveat (docs/operations.md, "Testing with the real processes"): a vCPU preempted by
// the host for a few milliseconds while RF may be on makes the core declare a telemetry gap
// (SR-40), rightly. A Fault whose only causes are generator_telemetry_gap /
// actuator_telemetry_gap is the host's scheduling, not what this test checks: it is
// acknowledged (or, when three of them escalated to ServiceLock, reset with a reason), the
// treatment is armed again and carries on, and each is printed. Every pulse record,
// including those such a fault cut short, must still match the simulator's ground truth;
// any other fault fails the attempt, and the test unless the host starved the simulator's
// or the safety thread's own tick in every try (on_fresh_processes).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "controller/daemon/core_gateway.h"
#include "controller/daemon/safety_loop.h"
#include "tests/integration/in_process_daemon.h"
#include "tests/integration/sim_process_fixture.h"
#include "tests/support/device_processes.h"
#include "tests/support/treatment_runner.h"
#include "tests/unit/daemon/fake_store.h"

namespace rfneedle::testing {
namespace {

using daemon::CoreGateway;
using daemon::CoreReply;
using daemon::SafetyLoop;

constexpr int kPulses = 20;
// Pulses STOP is tried on: one a host fault ended first is tried again.
constexpr int kStopAttempts = 6;

std::optional<std::int64_t> field(const std::string& json, const std::string& name) {
  const std::regex pattern("\"" + name + "\":(-?[0-9]+)");
  std::smatch m;
  if (!std::regex_search(json, m, pattern)) return std::nullopt;
  return std::stoll(m[1].str());
}

bool rf_on(const std::string& status) { return status.find("\"rf_on\":true") != std::string::npos; }

using Daemon = InProcessDaemon<daemon::testing::FakeStore>;

// The conditions the core raised, for failure messages.
std::string raised(const daemon::testing::FakeStore& store) {
  std::string out;
  for (const auto& e : store.stored_events) {
    if (e.kind == core::EventKind::kConditionRaised && e.condition) {
      out += std::string(core::spec(*e.condition).name) + " in " +
             std::string(core::name(e.state)) + "; ";
    }
  }
  return out;
}

core::PulseParameters parameters() {
  core::PulseParameters p;
  p.power = watts(10);
  p.duration = milliseconds(100);
  p.depth = Micrometres{2000};
  return p;
}

bool host_cause(core::Condition c) {
  return c == core::Condition::kGeneratorTelemetryGap ||
         c == core::Condition::kActuatorTelemetryGap;
}

// The host-caveat policy (is_host_latch in tests/support/device_processes.h): clears a
// latch whose only causes are telemetry gaps, with rf_still_active beside them at most (the
// sample showing RF-active drop came late, held back by the same stall) (a Fault:
// acknowledge; the ServiceLock three of them escalate to: service reset with a reason) and
// waits until the core has left it. False, with the causes in `why`, for any other latch.
bool clear_host_fault(Daemon& d, int& cleared, std::string& why) {
  const core::Status s = d.gateway.status();
  if (!core::is_latched(s.state)) {
    return true;
  }
  bool only_host = s.state != core::State::kNeedleStuck;
  bool gap = false;
  why.clear();
  for (std::size_t i = 0; i < core::kConditionCount; ++i) {
    const auto c = static_cast<core::Condition>(i);
    if (!s.in_effect.test(i) || core::spec(c).action < core::Action::kFault) {
      continue;
    }
    why += std::string(core::spec(c).name) + " ";
    gap = gap || host_cause(c);
    only_host = only_host && (host_cause(c) || c == core::Condition::kRepeatedFault ||
                              c == core::Condition::kRfStillActive);
  }
  only_host = only_host && gap;
  if (s.state == core::State::kServiceLock) {
    bool escalated_gap = false;
    for (std::size_t i = 0; i < core::kConditionCount; ++i) {
      if (s.counters.faults_this_session[i] >= 3) {
        only_host = only_host && host_cause(static_cast<core::Condition>(i));
        escalated_gap = escalated_gap || host_cause(static_cast<core::Condition>(i));
      }
    }
    only_host = only_host && escalated_gap;
  }
  if (!only_host || why.empty()) {
    return false;
  }
  const bool lock = s.state == core::State::kServiceLock;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (true) {
    const CoreReply r =
        lock ? d.ask(daemon::ServiceReset{"host scheduling: telemetry gap (integration test)"})
             : d.ask(daemon::Acknowledge{});
    if (r.ok()) {
      break;
    }
    if (std::chrono::steady_clock::now() > give_up) {
      why += "(not cleared: " + r.reason + ")";
      return false;
    }
    const auto again = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
    (void)d.run_until([&] { return std::chrono::steady_clock::now() >= again; });
  }
  const bool left = d.run_until([&] { return !core::is_latched(d.state()); });
  std::cout << "[ host     ] host fault " << ++cleared << ": " << why << "in "
            << core::name(s.state) << ", " << (lock ? "service reset" : "acknowledged") << "\n";
  return left;
}

// Whether a latch is the host's beyond that policy: its fault causes are all ones a
// starved process makes by itself (only_starvation_causes, tests/support/device_processes.h).
bool host_disturbed(const core::Status& s) {
  std::set<std::string> causes;
  for (std::size_t i = 0; i < core::kConditionCount; ++i) {
    const auto c = static_cast<core::Condition>(i);
    if (s.in_effect.test(i) && core::spec(c).action >= core::Action::kFault) {
      causes.insert(std::string(core::spec(c).name));
    }
  }
  return only_starvation_causes(causes);
}

std::vector<RecordedPulse> treatment_records(const daemon::testing::FakeStore& store) {
  std::vector<RecordedPulse> out;
  for (const daemon::StoredPulse& p : store.final_pulses()) {
    if (p.record.kind == core::PulseKind::kTreatment) {
      out.push_back({p.record.pulse_id, std::to_string(static_cast<int>(p.record.outcome)),
                     p.record.cause ? std::string(core::spec(*p.record.cause).name) : "",
                     p.record.delivered_energy.value()});
    }
  }
  return out;
}

// Verifies: SR-68, SR-69, SR-76
TEST(SafetyLoopAgainstSim, TwentyPulsesAreRecordedAsTheBoardsDeliveredThemAndStopEndsRf) {
  // A run the host starved beyond the policy (a link fault, say) runs again on a fresh
  // simulator and daemon (on_fresh_processes, tests/support/device_processes.h).
  const auto starved = on_fresh_processes(3, [&] {
    // 1.25 presses a second, each held 560 ms: longer than a pulse's insert, measure, RF.
    SimProcessFixture sim({"--auto-trigger", "1.25"});
    Daemon d(sim);
    const auto board_worst_late_us = [&] {
      return field(sim.control("status"), "worst_tick_late_us").value_or(-1);
    };
    int host_faults = 0;
    std::string why;
    const auto arm = [&] {
      // The cartridge bind and the limits are answered within a few board milliseconds.
      ASSERT_TRUE(d.run_until([&] {
        return !d.gateway.status().in_effect.test(core::index(core::Condition::kBoardSetupPending));
      }));
      const CoreReply armed = d.ask(daemon::Arm{});
      ASSERT_TRUE(armed.ok()) << armed.reason;
    };
    // Up to Standby, clearing host faults on the way (the self-test runs again after one).
    ASSERT_TRUE(d.run_until([&] {
      if (core::is_latched(d.state()) && !clear_host_fault(d, host_faults, why)) {
        return true;
      }
      return d.state() == core::State::kStandby;
    })) << "state "
        << core::name(d.state()) << "; sim: " << sim.sim().standard_error();
    ASSERT_EQ(d.state(), core::State::kStandby) << why << raised(d.store);

    const SimHistory before = parse_sim_history(sim.control("history"));
    const std::int64_t baseline = before.pulses.empty() ? 0 : before.pulses.back().n;
    ASSERT_TRUE(d.ask(daemon::OpenSession{cheek_session("P-IT-0001"), {}, ""}).ok());
    ASSERT_TRUE(d.ask(daemon::SetParameters{parameters()}).ok());
    arm();

    const auto completed = [&] {
      int n = 0;
      for (const auto& p : d.store.final_pulses()) {
        n += p.record.kind == core::PulseKind::kTreatment &&
             p.record.outcome == core::PulseOutcome::kCompleted;
      }
      return n;
    };
    bool unexpected = false;
    ASSERT_TRUE(d.run_until(
        [&] {
          if (core::is_latched(d.state())) {
            if (!clear_host_fault(d, host_faults, why)) {
              unexpected = true;
              return true;
            }
            arm();
          }
          return completed() >= kPulses;
        },
        std::chrono::seconds(120)))
        << "completed " << completed() << ", state " << core::name(d.state());
    if (unexpected) {
      const std::string what =
          "an unexpected latch: " + why + raised(d.store) + "late ticks " +
          std::to_string(d.late_ticks()) + "; simulator late ticks " +
          std::to_string(field(sim.control("status"), "late_ticks").value_or(-1)) + ", worst " +
          std::to_string(board_worst_late_us()) + " us";
      if (host_disturbed(d.gateway.status())) {
        throw HostDisturbed(what, board_worst_late_us());
      }
      FAIL() << what;
    }
    // Every record, the pulses host faults cut short included, as the boards delivered it; and
    // every ID used was reserved in the store before its command went out (SR-68).
    const std::vector<std::string> mismatches = mismatches_with_truth(
        treatment_records(d.store), parse_sim_history(sim.control("history")), baseline);
    EXPECT_THAT(mismatches, ::testing::IsEmpty()) << [&] {
      std::ostringstream writes;
      writes << "every pulse record written:";
      for (const auto& p : d.store.pulse_writes) {
        writes << " #" << p.record.pulse_id << " outcome " << static_cast<int>(p.record.outcome)
               << " " << p.record.delivered_energy.value() << " uJ;";
      }
      return writes.str();
    }();
    for (const auto& p : d.store.final_pulses()) {
      EXPECT_LE(p.record.pulse_id, d.store.reserved);
    }

    // STOP while RF is on, as the simulator sees it (again if a host fault ended that pulse
    // first).
    bool stopped = false;
    for (int attempt = 0; attempt < kStopAttempts && !stopped; ++attempt) {
      if (d.state() == core::State::kStandby) {
        arm();
      }
      ASSERT_TRUE(
          d.run_until([&] { return rf_on(sim.control("status")); }, std::chrono::seconds(10)));
      d.gateway.stop();
      std::string after;
      ASSERT_TRUE(d.run_until(
          [&] {
            after = sim.control("status");
            return !rf_on(after) && field(after, "needle_position_um") == 0;
          },
          std::chrono::seconds(5)))
          << after;
      ASSERT_TRUE(d.run_until(
          [&] { return d.state() == core::State::kStandby || core::is_latched(d.state()); }));
      if (core::is_latched(d.state())) {
        ASSERT_TRUE(clear_host_fault(d, host_faults, why)) << why;
        continue;
      }
      const auto finals = d.store.final_pulses();
      ASSERT_FALSE(finals.empty());
      EXPECT_EQ(finals.back().record.outcome, core::PulseOutcome::kAborted);
      EXPECT_LT(finals.back().record.delivered_energy, finals.back().record.planned_energy);
      stopped = true;
    }
    if (!stopped) {
      throw HostDisturbed(
          "no STOP without a host fault in " + std::to_string(kStopAttempts) + " attempts",
          board_worst_late_us());
    }

    d.shut_down();
    EXPECT_EQ(d.gateway.unstored(), 0u);
    EXPECT_FALSE(rf_on(sim.control("status")));
    std::cout << "host faults cleared: " << host_faults << "\n";
  });
  if (starved) {
    GTEST_SKIP() << *starved;
  }
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
