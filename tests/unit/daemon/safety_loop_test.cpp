// The safety thread's pieces that need no boards: its tick pacing, its snapshot pacing,
// the service thread's gateway over the queues (the test plays the safety thread's end),
// and a loop whose serial devices are missing.
#include "controller/daemon/safety_loop.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>

#include "controller/daemon/core_gateway.h"
#include "controller/daemon/snapshot_pacing.h"
#include "controller/daemon/tick_schedule.h"
#include "tests/unit/daemon/fake_store.h"

namespace rfneedle::daemon {
namespace {

using testing::FakeStore;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

TEST(TickSchedule, DeadlinesStayOnTheirGridWhateverEachTickCosts) {
  const Clock::time_point t0{};
  TickSchedule<Clock> s(t0, milliseconds(1));
  EXPECT_EQ(s.deadline(), t0 + milliseconds(1));
  EXPECT_FALSE(s.advance(t0 + std::chrono::microseconds(1'300)));  // woke 0.3 ms late
  EXPECT_EQ(s.deadline(), t0 + milliseconds(2));                   // not 2.3 ms
  EXPECT_FALSE(s.advance(t0 + milliseconds(2)));
  EXPECT_EQ(s.deadline(), t0 + milliseconds(3));
}

TEST(TickSchedule, ALateWakeUpTicksOnceAndRestartsTheGridFromTheRealNow) {
  const Clock::time_point t0{};
  TickSchedule<Clock> s(t0, milliseconds(1));
  // Woke 3.8 ms after the deadline (a loaded machine): one tick, no burst of three.
  EXPECT_TRUE(s.advance(t0 + std::chrono::microseconds(4'800)));
  EXPECT_EQ(s.deadline(), t0 + std::chrono::microseconds(5'800));
}

TEST(TickSchedule, AWakeUpWithinTheSlackOfTheDeadlineMayRunTheTick) {
  const Clock::time_point t0{};
  TickSchedule<Clock> s(t0, milliseconds(1));
  const auto slack = std::chrono::microseconds(250);
  EXPECT_FALSE(s.due_within(t0 + std::chrono::microseconds(700), slack));
  EXPECT_TRUE(s.due_within(t0 + std::chrono::microseconds(750), slack));
  // Run early, the grid keeps its period from the deadline, not from the early wake-up.
  EXPECT_FALSE(s.advance(t0 + std::chrono::microseconds(800)));
  EXPECT_EQ(s.deadline(), t0 + milliseconds(2));
}

TEST(TickSchedule, AlignsTheNextDeadlineJustAfterTheNextFrameButNeverLater) {
  const Clock::time_point t0{};
  const auto us = [](int n) { return std::chrono::microseconds(n); };
  const auto slack = us(250);
  TickSchedule<Clock> s(t0, milliseconds(1));
  // The timer ran the tick at 1 ms; the last frame came at 0.4 ms, so the next is due at
  // 1.4 ms: the deadline moves from 2 ms up to 1.525 ms, and that frame runs the tick.
  s.advance(t0 + us(1'000));
  s.align_to(t0 + us(1'400), slack, t0 + us(1'000));
  EXPECT_EQ(s.deadline(), t0 + us(1'525));
  EXPECT_TRUE(s.due_within(t0 + us(1'400), slack));
  // Never later than the grid: a frame expected after the deadline changes nothing.
  s.advance(t0 + us(1'525));
  EXPECT_EQ(s.deadline(), t0 + us(2'525));
  s.align_to(t0 + us(2'450), slack, t0 + us(1'525));
  EXPECT_EQ(s.deadline(), t0 + us(2'525));
  // Nor into the past: the frames stopped long ago.
  s.align_to(t0 + us(1'000), slack, t0 + us(1'525));
  EXPECT_EQ(s.deadline(), t0 + us(2'525));
}

core::Status status_in(core::State state) {
  core::Status s;
  s.state = state;
  return s;
}

TEST(SnapshotPacing, PublishesAtMost20HzUnlessSomethingChanged) {
  SnapshotPacing p(rfneedle::milliseconds(50));
  const Instant t0{};
  const core::Status ready = status_in(core::State::kReady);
  EXPECT_TRUE(p.due(ready, t0));
  p.published(ready, t0);
  EXPECT_FALSE(p.due(ready, t0 + rfneedle::milliseconds(1)));
  EXPECT_FALSE(p.due(ready, t0 + rfneedle::milliseconds(49)));
  EXPECT_TRUE(p.due(ready, t0 + rfneedle::milliseconds(50)));
}

TEST(SnapshotPacing, PublishesEveryStateAndConditionChangeAtOnce) {
  SnapshotPacing p(rfneedle::milliseconds(50));
  const Instant t0{};
  core::Status s = status_in(core::State::kReady);
  p.published(s, t0);
  EXPECT_TRUE(p.due(status_in(core::State::kInserting), t0 + rfneedle::milliseconds(1)));
  s.in_effect.set(core::index(core::Condition::kSkinWarm));
  EXPECT_TRUE(p.due(s, t0 + rfneedle::milliseconds(1)));
  p.published(s, t0 + rfneedle::milliseconds(1));
  s.last_pulse_id = 9;
  EXPECT_TRUE(p.due(s, t0 + rfneedle::milliseconds(2)));
}

SafetyLoopOptions missing_devices() {
  const auto dir = std::filesystem::temp_directory_path();
  SafetyLoopOptions o;
  o.generator_path = (dir / "rfneedle-no-such-generator").string();
  o.actuator_path = (dir / "rfneedle-no-such-actuator").string();
  o.realtime_priority = 0;
  o.lock_memory = false;
  return o;
}

const hal::HandshakePolicy kSimPolicy{{"sim-1.0.0"}, true};

class RecordingListener final : public DeviceListener {
 public:
  std::vector<StoredEvent> events;
  std::vector<std::uint64_t> snapshots;
  void on_event(const StoredEvent& e) override { events.push_back(e); }
  void on_snapshot(const core::Status& s) override { snapshots.push_back(s.snapshot_id); }
  void on_telemetry(const TelemetrySample&) override {}
};

// The gateway on its own: the loop is never started, and the test produces what the
// safety thread would and consumes what the gateway sends it.
class GatewayTest : public ::testing::Test {
 protected:
  GatewayTest() {
    store.last_pulse = 7;
    store.reserved = 10;
  }
  std::vector<LoopInput> inputs() {
    std::vector<LoopInput> out;
    LoopInput in;
    while (loop.channels().inputs.try_pop(in)) out.push_back(std::move(in));
    return out;
  }
  // The inputs other than store conditions.
  std::vector<LoopInput> records_inputs() {
    std::vector<LoopInput> out = inputs();
    std::erase_if(out, [](const LoopInput& i) { return i.kind == LoopInput::Kind::kStoreCondition; });
    return out;
  }
  // The store conditions sent, in order.
  static std::vector<std::pair<core::Condition, bool>> store_conditions(
      const std::vector<LoopInput>& sent) {
    std::vector<std::pair<core::Condition, bool>> out;
    for (const LoopInput& i : sent) {
      if (i.kind == LoopInput::Kind::kStoreCondition) {
        out.emplace_back(store_condition_of(i.value), store_condition_present(i.value));
      }
    }
    return out;
  }
  // A refused write is tried again on the very next pass.
  static CoreGatewayOptions immediate_retries() {
    CoreGatewayOptions o;
    o.store_retry_period = milliseconds(0);
    return o;
  }
  static PublishedPulse pulse(std::uint64_t id, core::PulseOutcome outcome) {
    PublishedPulse p;
    p.record.pulse_id = id;
    p.record.outcome = outcome;
    return p;
  }

  FakeStore store;
  boost::asio::io_context io;
  SafetyLoop loop{core::CoreConfig{}, kSimPolicy, missing_devices()};
};

// Verifies: SR-68
TEST_F(GatewayTest, ContinuesThePulseIdSeriesPastEveryReservedIdAndReservesAhead) {
  CoreGateway gateway(io, loop, store);
  // IDs 8..10 were reserved before the restart and may have been sent: never reused.
  EXPECT_EQ(store.reserved, 10u + 64u);
  EXPECT_EQ(gateway.reserved_pulse_ids(), 74u);
}

// Verifies: SR-69
TEST_F(GatewayTest, AcknowledgesAFinalPulseRecordOnlyOnceTheStoreHasIt) {
  CoreGateway gateway(io, loop, store, immediate_retries());
  (void)inputs();
  ASSERT_TRUE(loop.channels().pulses.try_push(pulse(11, core::PulseOutcome::kStarted)));
  ASSERT_TRUE(loop.channels().pulses.try_push(pulse(11, core::PulseOutcome::kCompleted)));
  store.failing = true;
  gateway.pump();
  EXPECT_TRUE(records_inputs().empty());
  EXPECT_EQ(gateway.unstored(), 2u);

  store.failing = false;  // retried on a later pass, in order
  gateway.pump();
  ASSERT_EQ(store.pulse_writes.size(), 2u);
  EXPECT_EQ(store.pulse_writes[0].record.outcome, core::PulseOutcome::kStarted);
  EXPECT_EQ(store.pulse_writes[1].record.outcome, core::PulseOutcome::kCompleted);
  const auto sent = records_inputs();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].kind, LoopInput::Kind::kRecordStored);
  EXPECT_EQ(sent[0].value, 11u);
}

TEST_F(GatewayTest, EveryPulseRecordsTheOperatorWhoseArmTheCoreAccepted) {
  CoreGateway gateway(io, loop, store);
  (void)inputs();
  gateway.request(Arm{"alice"}, [](const CoreReply&) {});
  gateway.request(Arm{"bob"}, [](const CoreReply&) {});
  ASSERT_TRUE(loop.channels().replies.try_push(LoopReply{core::Response::accepted(), 0, {}}));
  ASSERT_TRUE(loop.channels().replies.try_push(LoopReply{core::Response::refused("armed"), 0, {}}));
  gateway.pump();
  ASSERT_TRUE(loop.channels().pulses.try_push(pulse(11, core::PulseOutcome::kStarted)));
  ASSERT_TRUE(loop.channels().pulses.try_push(pulse(11, core::PulseOutcome::kCompleted)));
  gateway.pump();
  ASSERT_EQ(store.pulse_writes.size(), 2u);
  EXPECT_EQ(store.pulse_writes[0].operator_id, "alice");
  EXPECT_EQ(store.pulse_writes[1].operator_id, "alice") << "bob's Arm was refused";
}

TEST_F(GatewayTest, ReservesMorePulseIdsOnceHalfTheWindowIsUsed) {
  CoreGateway gateway(io, loop, store);
  (void)inputs();
  PublishedSnapshot s;
  s.status.last_pulse_id = 30;  // 44 left of 74
  ASSERT_TRUE(loop.channels().snapshots.try_push(s));
  gateway.pump();
  EXPECT_TRUE(inputs().empty());
  s.status.last_pulse_id = 42;  // 32 left: top up
  ASSERT_TRUE(loop.channels().snapshots.try_push(s));
  gateway.pump();
  EXPECT_EQ(store.reserved, 42u + 64u);
  const auto sent = inputs();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].kind, LoopInput::Kind::kPulseIdsReserved);
  EXPECT_EQ(sent[0].value, 106u);
}

TEST_F(GatewayTest, StoresEventsInOrderBeforeListenersHearOfThemWithTheirIds) {
  CoreGateway gateway(io, loop, store, immediate_retries());
  RecordingListener listener;
  gateway.add_listener(listener);
  PublishedEvent e;
  e.event.kind = core::EventKind::kConditionRaised;
  e.event.text = "first";
  ASSERT_TRUE(loop.channels().events.try_push(e));
  e.event.text = "second";
  ASSERT_TRUE(loop.channels().events.try_push(e));
  store.failing = true;
  gateway.pump();
  EXPECT_TRUE(listener.events.empty());
  store.failing = false;
  gateway.pump();
  ASSERT_EQ(listener.events.size(), 2u);
  EXPECT_EQ(listener.events[0].text, "first");
  EXPECT_EQ(listener.events[0].id, 1u);
  EXPECT_EQ(listener.events[1].text, "second");
  gateway.remove_listener(listener);
}

TEST_F(GatewayTest, AnswersRequestsInOrderAndAFullQueueAtOnceWithBusy) {
  CoreGateway gateway(io, loop, store);
  (void)inputs();
  std::vector<core::ResponseCode> answers;
  const std::size_t capacity = loop.channels().inputs.capacity();
  for (std::size_t i = 0; i <= capacity; ++i) {
    gateway.request(Arm{}, [&](const CoreReply& r) { answers.push_back(r.code); });
  }
  io.poll();  // the refusal is posted, never called inside request()
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0], core::ResponseCode::kBusy);
  // The safety thread answers the first two.
  EXPECT_EQ(inputs().size(), capacity);
  ASSERT_TRUE(loop.channels().replies.try_push(LoopReply{core::Response::accepted(), 0, {}}));
  ASSERT_TRUE(loop.channels().replies.try_push(
      LoopReply{core::Response::refused("not in Standby"), 0, {}}));
  gateway.pump();
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[1], core::ResponseCode::kOk);
  EXPECT_EQ(answers[2], core::ResponseCode::kExecutionError);
}

CalibrationOutcome outcome(bool passed) {
  CalibrationOutcome o;
  o.generator = BoardSerial("SIM-GEN-0001");
  o.passed = passed;
  o.reason = passed ? "" : "a calibration run failed or none ran: nothing changed";
  o.runs_passed = passed ? 4 : 1;
  o.runs_failed = passed ? 0 : 1;
  o.record.power_correction_ppm = passed ? 1'005'000 : 0;
  o.record.calibrated_day = 20'600;
  o.record.due_day = passed ? 20'782 : 0;
  o.record.fixture_serial = core::CartridgeSerial("9001");
  o.record.fixture_meter_due_day = 21'914;
  return o;
}

// Verifies: SR-66
TEST_F(GatewayTest, RecordsACompletedCalibrationBeforeAnsweringAndSendsItsIdBack) {
  CoreGateway gateway(io, loop, store);
  (void)inputs();
  std::vector<core::ResponseCode> answers;
  gateway.request(CompleteCalibration{20'600}, [&](const CoreReply& r) {
    answers.push_back(r.code);
    EXPECT_EQ(store.calibration_log.size(), 1u);  // stored before the answer
  });
  gateway.request(CompleteCalibration{20'600},
                  [&](const CoreReply& r) { answers.push_back(r.code); });
  (void)inputs();
  ASSERT_TRUE(
      loop.channels().replies.try_push(LoopReply{core::Response::accepted(), 0, outcome(true)}));
  ASSERT_TRUE(loop.channels().replies.try_push(
      LoopReply{core::Response::refused("a calibration run failed or none ran: nothing changed"), 0,
                outcome(false)}));
  gateway.pump();
  ASSERT_EQ(answers.size(), 2u);
  ASSERT_EQ(store.calibration_log.size(), 2u);
  const StoredCalibration& passed = store.calibration_log[0];
  EXPECT_EQ(passed.generator_serial, "SIM-GEN-0001");
  EXPECT_TRUE(passed.passed);
  EXPECT_EQ(passed.runs_passed, 4);
  EXPECT_EQ(passed.record.power_correction_ppm, 1'005'000);
  EXPECT_EQ(passed.record.fixture_serial.view(), "9001");
  EXPECT_FALSE(store.calibration_log[1].passed);
  EXPECT_EQ(store.calibration_log[1].reason,
            "a calibration run failed or none ran: nothing changed");
  // Only the passed one is in force: the loop hears its ID.
  const auto sent = inputs();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].kind, LoopInput::Kind::kCalibrationStored);
  EXPECT_EQ(sent[0].value, passed.id);
  EXPECT_EQ(sent[0].calibration.power_correction_ppm, 1'005'000);
}

// Verifies: SR-66, SR-69
TEST_F(GatewayTest, RetriesACalibrationRecordTheStoreRefused) {
  CoreGateway gateway(io, loop, store, immediate_retries());
  (void)inputs();
  gateway.request(CompleteCalibration{20'600}, [](const CoreReply&) {});
  (void)inputs();
  ASSERT_TRUE(
      loop.channels().replies.try_push(LoopReply{core::Response::accepted(), 0, outcome(true)}));
  store.failing = true;
  gateway.pump();
  EXPECT_EQ(gateway.unstored(), 1u);
  store.failing = false;
  gateway.pump();
  EXPECT_EQ(gateway.unstored(), 0u);
  EXPECT_EQ(store.calibration_log.size(), 1u);
}

// Verifies: SR-85
TEST_F(GatewayTest, ARefusedWriteRaisesStoreFailedUntilEverythingHeldIsStored) {
  CoreGateway gateway(io, loop, store, immediate_retries());
  (void)inputs();
  ASSERT_TRUE(loop.channels().pulses.try_push(pulse(11, core::PulseOutcome::kCompleted)));
  store.failing = true;
  gateway.pump();
  EXPECT_EQ(store_conditions(inputs()),
            (std::vector<std::pair<core::Condition, bool>>{{core::Condition::kStoreFailed, true}}));
  EXPECT_TRUE(gateway.store_failing());
  EXPECT_THAT(gateway.store_problem(), ::testing::HasSubstr("pulse record"));
  gateway.pump();  // still refused: raised once, the record still held
  EXPECT_TRUE(store_conditions(inputs()).empty());
  EXPECT_EQ(gateway.unstored(), 1u);

  store.failing = false;
  gateway.pump();
  const auto sent = inputs();
  EXPECT_EQ(store_conditions(sent),
            (std::vector<std::pair<core::Condition, bool>>{{core::Condition::kStoreFailed, false}}));
  EXPECT_EQ(store.final_pulses().size(), 1u);
  EXPECT_FALSE(gateway.store_failing());
  EXPECT_EQ(gateway.store_problem(), "");
}

// Verifies: SR-85
TEST_F(GatewayTest, ARefusedSessionRecordIsKeptAndRetriedInsteadOfLost) {
  CoreGateway gateway(io, loop, store, immediate_retries());
  (void)inputs();
  gateway.request(OpenSession{}, [](const CoreReply&) {});
  (void)inputs();
  ASSERT_TRUE(loop.channels().replies.try_push(LoopReply{core::Response::accepted(), 3, {}}));
  store.failing = true;
  gateway.pump();
  EXPECT_TRUE(store.session_list.empty());
  EXPECT_TRUE(gateway.store_failing());
  store.failing = false;
  gateway.pump();
  ASSERT_EQ(store.session_list.size(), 1u);
  EXPECT_EQ(store.session_list[0].id, 3u);
  EXPECT_FALSE(gateway.store_failing());
}

TEST_F(GatewayTest, ARefusingStoreIsTriedAgainOnlyOncePerRetryPeriod) {
  CoreGatewayOptions o;
  o.store_retry_period = std::chrono::hours(1);
  CoreGateway gateway(io, loop, store, o);
  ASSERT_TRUE(loop.channels().pulses.try_push(pulse(11, core::PulseOutcome::kCompleted)));
  store.failing = true;
  gateway.pump();
  store.failing = false;
  gateway.pump();
  EXPECT_EQ(gateway.unstored(), 1u);
  EXPECT_TRUE(gateway.store_failing());
}

// Verifies: SR-86
TEST_F(GatewayTest, AStoreUnusableAtStartUpLocksTheCoreAndNamesTheReason) {
  CoreGatewayOptions o;
  o.store_unusable = "store /data/rfneedle.db: quick_check failed: page 7 is never used";
  CoreGateway gateway(io, loop, store, o);
  EXPECT_EQ(store_conditions(inputs()), (std::vector<std::pair<core::Condition, bool>>{
                                            {core::Condition::kStoreUnusable, true}}));
  EXPECT_THAT(gateway.store_problem(), ::testing::HasSubstr("quick_check failed"));
}

// Verifies: SR-87
TEST_F(GatewayTest, AWallClockEarlierThanTheLatestRecordIsHeldUntilConfirmed) {
  StoredEvent e;
  e.at = 1'800'000'000'000;  // 2027-01-15
  ASSERT_TRUE(store.append_event(e));
  CoreGatewayOptions o;
  o.wall_now = [] { return WallMs{1'700'000'000'000}; };  // 2023-11-14
  CoreGateway gateway(io, loop, store, o);
  EXPECT_EQ(store_conditions(inputs()), (std::vector<std::pair<core::Condition, bool>>{
                                            {core::Condition::kClockBehindRecords, true}}));
  EXPECT_THAT(gateway.store_problem(), ::testing::HasSubstr("2023-11-14T22:13:20Z"));
  EXPECT_THAT(gateway.store_problem(), ::testing::HasSubstr("2027-01-15T08:00:00Z"));
  EXPECT_TRUE(gateway.confirm_clock());
  EXPECT_EQ(store_conditions(inputs()), (std::vector<std::pair<core::Condition, bool>>{
                                            {core::Condition::kClockBehindRecords, false}}));
  EXPECT_EQ(gateway.store_problem(), "");
  EXPECT_FALSE(gateway.confirm_clock());
}

// Verifies: SR-87
TEST_F(GatewayTest, AClockAtOrAfterTheLatestRecordIsNotHeld) {
  StoredEvent e;
  e.at = 1'700'000'000'000;
  ASSERT_TRUE(store.append_event(e));
  CoreGatewayOptions o;
  o.wall_now = [] { return WallMs{1'700'000'000'000}; };
  CoreGateway gateway(io, loop, store, o);
  EXPECT_TRUE(store_conditions(inputs()).empty());
  EXPECT_FALSE(gateway.confirm_clock());
}

// Verifies: SR-66
TEST_F(GatewayTest, ASessionRecordsTheCalibrationRecordInForce) {
  CoreGateway gateway(io, loop, store);
  (void)inputs();
  PublishedSnapshot s;
  core::CalibrationRecord& in_force = s.status.calibration.emplace();
  in_force.power_correction_ppm = 1'005'000;
  in_force.calibrated_day = 20'600;
  in_force.due_day = 20'782;
  in_force.record_id = 7;
  ASSERT_TRUE(loop.channels().snapshots.try_push(s));
  gateway.pump();
  gateway.request(OpenSession{}, [](const CoreReply&) {});
  (void)inputs();
  ASSERT_TRUE(loop.channels().replies.try_push(LoopReply{core::Response::accepted(), 3, {}}));
  gateway.pump();
  ASSERT_EQ(store.session_list.size(), 1u);
  ASSERT_TRUE(store.session_list[0].calibration.has_value());
  EXPECT_EQ(store.session_list[0].calibration->record_id, 7u);
  EXPECT_EQ(store.session_list[0].calibration->power_correction_ppm, 1'005'000);
}

TEST_F(GatewayTest, KeepsTheLatestSnapshotForStatusWithoutIssuingANumber) {
  CoreGateway gateway(io, loop, store);
  RecordingListener listener;
  gateway.add_listener(listener);
  PublishedSnapshot s;
  s.status.snapshot_id = 5;
  s.status.state = core::State::kStandby;
  ASSERT_TRUE(loop.channels().snapshots.try_push(s));
  gateway.pump();
  EXPECT_EQ(gateway.status().snapshot_id, 5u);
  EXPECT_EQ(gateway.status().snapshot_id, 5u);
  EXPECT_EQ(gateway.status().state, core::State::kStandby);
  EXPECT_EQ(listener.snapshots, std::vector<std::uint64_t>{5});
}

template <typename Done>
bool run_until(boost::asio::io_context& io, Done done, std::chrono::seconds limit) {
  const auto give_up = Clock::now() + limit;
  while (!done() && Clock::now() < give_up) {
    io.run_for(milliseconds(5));
    io.restart();
  }
  return done();
}

std::string describe(const std::vector<StoredEvent>& events) {
  std::string out;
  for (const StoredEvent& e : events) {
    out += e.text + (e.condition ? " " + std::string(core::spec(*e.condition).name) : "") + "; ";
  }
  return out;
}

// Verifies: SR-53
TEST(SafetyLoop, WithItsSerialDevicesMissingStaysConnectingAndStillTakesStop) {
  FakeStore store;
  boost::asio::io_context io;
  SafetyLoop loop(core::CoreConfig{}, kSimPolicy, missing_devices());
  CoreGateway gateway(io, loop, store);
  loop.start();
  ASSERT_TRUE(run_until(
      io, [&] { return gateway.status().snapshot_id >= 3; }, std::chrono::seconds(10)));
  EXPECT_EQ(gateway.status().state, core::State::kConnecting) << describe(store.stored_events);
  gateway.stop();
  ASSERT_TRUE(run_until(
      io,
      [&] {
        return std::any_of(store.stored_events.begin(), store.stored_events.end(),
                           [](const StoredEvent& e) { return e.text == "STOP"; });
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(gateway.status().state, core::State::kConnecting);
  loop.stop();
  EXPECT_FALSE(loop.running());
  gateway.shutdown();
  EXPECT_EQ(gateway.unstored(), 0u);
}

}  // namespace
}  // namespace rfneedle::daemon
