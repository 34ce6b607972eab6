// rfneedled's two threads in-process (SafetyLoop on its own thread, CoreGateway on the
// test's, a fake store) against the real rfneedle-sim over pseudo-terminals. Assertions
// use the simulator's ground truth and the boards' counters, never the test's timing: the
// wall-clock limits below only say when to give up.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <optional>
#include <regex>
#include <string>

#include "controller/daemon/core_gateway.h"
#include "controller/daemon/safety_loop.h"
#include "tests/integration/sim_process_fixture.h"
#include "tests/unit/daemon/fake_store.h"

namespace rfneedle::testing {
namespace {

using daemon::CoreGateway;
using daemon::CoreReply;
using daemon::SafetyLoop;

constexpr int kPulses = 20;

std::optional<std::int64_t> field(const std::string& json, const std::string& name) {
  const std::regex pattern("\"" + name + "\":(-?[0-9]+)");
  std::smatch m;
  if (!std::regex_search(json, m, pattern)) return std::nullopt;
  return std::stoll(m[1].str());
}

bool rf_on(const std::string& status) { return status.find("\"rf_on\":true") != std::string::npos; }

std::int32_t today() {
  return static_cast<std::int32_t>(
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())
          .time_since_epoch()
          .count());
}

// The service thread's side, run on the test's thread: the gateway's pump and the
// display's heartbeat, as rfneedled's service thread would.
class Daemon {
 public:
  explicit Daemon(SimProcessFixture& sim)
      : loop_(core::CoreConfig{}, hal::HandshakePolicy{{"sim-1.0.0"}, true}, options(sim)),
        gateway(io_, loop_, store) {
    loop_.start();
  }
  ~Daemon() { shut_down(); }

  void shut_down() {
    if (!loop_.running()) return;
    loop_.stop();
    gateway.shutdown();
  }

  template <typename Done>
  bool run_until(Done done, std::chrono::seconds limit = std::chrono::seconds(20)) {
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      io_.run_for(std::chrono::milliseconds(2));
      io_.restart();
      heartbeat();
    }
    return true;
  }

  // One request, answered.
  CoreReply ask(daemon::CoreRequest request) {
    std::optional<CoreReply> answer;
    gateway.request(std::move(request), [&](const CoreReply& r) { answer = r; });
    EXPECT_TRUE(run_until([&] { return answer.has_value(); }, std::chrono::seconds(5)));
    return answer.value_or(CoreReply{core::ResponseCode::kBusy, {}, "no answer"});
  }

  [[nodiscard]] core::State state() const { return gateway.status().state; }
  [[nodiscard]] std::uint64_t late_ticks() const { return loop_.counters().late_ticks.load(); }

  daemon::testing::FakeStore store;

 private:
  static daemon::SafetyLoopOptions options(SimProcessFixture& sim) {
    daemon::SafetyLoopOptions o;
    o.generator_path = sim.generator_link().string();
    o.actuator_path = sim.actuator_link().string();
    o.lock_memory = false;  // the test process is not rfneedled
    return o;
  }

  // The touchscreen echoes the snapshot it rendered every 500 ms (SR-78); faster here.
  void heartbeat() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_heartbeat_ < std::chrono::milliseconds(250) ||
        gateway.status().snapshot_id == 0) {
      return;
    }
    last_heartbeat_ = now;
    gateway.request(daemon::DisplayHeartbeat{gateway.status().snapshot_id},
                    [](const CoreReply&) {});
  }

  boost::asio::io_context io_;
  SafetyLoop loop_;

 public:
  CoreGateway gateway;

 private:
  std::chrono::steady_clock::time_point last_heartbeat_{};
};

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

core::SessionRequest session() {
  core::SessionRequest r;
  r.patient_ref = "P-IT-0001";
  r.operator_id = "op-it";
  r.area = core::BodyArea::kCheek;
  r.today = today();
  return r;
}

core::PulseParameters parameters() {
  core::PulseParameters p;
  p.power = watts(10);
  p.duration = milliseconds(100);
  p.depth = Micrometres{2000};
  return p;
}

// Verifies: SR-68, SR-69, SR-76
TEST(SafetyLoopAgainstSim, TwentyPulsesAreRecordedAsTheBoardsDeliveredThemAndStopEndsRf) {
  // 1.25 presses a second, each held 560 ms: longer than a pulse's insert, measure, RF.
  SimProcessFixture sim({"--auto-trigger", "1.25"});
  Daemon d(sim);
  ASSERT_TRUE(d.run_until([&] { return d.state() == core::State::kStandby; }))
      << "state " << core::name(d.state()) << "; sim: " << sim.sim().standard_error();

  ASSERT_TRUE(d.ask(daemon::OpenSession{session()}).ok());
  ASSERT_TRUE(d.ask(daemon::SetParameters{parameters()}).ok());
  // The cartridge bind and the limits are answered within a few board milliseconds.
  ASSERT_TRUE(d.run_until([&] {
    return !d.gateway.status().in_effect.test(core::index(core::Condition::kBoardSetupPending));
  }));
  const CoreReply armed = d.ask(daemon::Arm{});
  ASSERT_TRUE(armed.ok()) << armed.reason;

  // After each final record, before the next press: the simulator's energy of that pulse.
  std::vector<std::int64_t> truth_uj;
  std::size_t seen = 0;
  ASSERT_TRUE(d.run_until(
      [&] {
        const auto finals = d.store.final_pulses();
        for (; seen < finals.size(); ++seen) {
          if (finals[seen].record.kind != core::PulseKind::kTreatment) continue;
          truth_uj.push_back(field(sim.control("status"), "pulse_energy_uj").value_or(-1));
        }
        return truth_uj.size() >= kPulses || d.state() == core::State::kFault;
      },
      std::chrono::seconds(90)))
      << "pulses " << truth_uj.size() << ", state " << core::name(d.state());
  ASSERT_NE(d.state(), core::State::kFault)
      << raised(d.store) << "late ticks " << d.late_ticks() << "; simulator late ticks "
      << field(sim.control("status"), "late_ticks").value_or(-1) << ", worst "
      << field(sim.control("status"), "worst_tick_late_us").value_or(-1) << " us";

  std::vector<daemon::StoredPulse> treatment;
  for (const auto& p : d.store.final_pulses()) {
    if (p.record.kind == core::PulseKind::kTreatment) treatment.push_back(p);
  }
  ASSERT_GE(treatment.size(), static_cast<std::size_t>(kPulses));
  for (int i = 0; i < kPulses; ++i) {
    const core::PulseRecord& r = treatment[static_cast<std::size_t>(i)].record;
    EXPECT_EQ(r.outcome, core::PulseOutcome::kCompleted) << "pulse " << r.pulse_id;
    const double truth = static_cast<double>(truth_uj[static_cast<std::size_t>(i)]);
    EXPECT_NEAR(static_cast<double>(r.delivered_energy.value()), truth, 0.03 * truth)
        << "pulse " << r.pulse_id;
    // SR-68: every ID used was reserved in the store before its command went out.
    EXPECT_LE(r.pulse_id, d.store.reserved);
  }

  // STOP while RF is on, as the simulator sees it.
  ASSERT_TRUE(d.run_until([&] { return rf_on(sim.control("status")); }, std::chrono::seconds(10)));
  d.gateway.stop();
  std::string after;
  ASSERT_TRUE(d.run_until(
      [&] {
        after = sim.control("status");
        return !rf_on(after) && field(after, "needle_position_um") == 0;
      },
      std::chrono::seconds(5)))
      << after;
  EXPECT_FALSE(rf_on(after));
  ASSERT_TRUE(d.run_until([&] { return d.state() == core::State::kStandby; }))
      << core::name(d.state());
  const auto finals = d.store.final_pulses();
  ASSERT_FALSE(finals.empty());
  EXPECT_EQ(finals.back().record.outcome, core::PulseOutcome::kAborted);
  EXPECT_LT(finals.back().record.delivered_energy, finals.back().record.planned_energy);

  d.shut_down();
  EXPECT_EQ(d.gateway.unstored(), 0u);
  EXPECT_FALSE(rf_on(sim.control("status")));
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
