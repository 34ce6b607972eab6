// One specification of the Store, run against both implementations: the deterministic
// simulation's MemoryStore must behave exactly like the device's SqliteStore.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <tuple>

#include "controller/daemon/audit_chain.h"
#include "controller/daemon/memory_store.h"
#include "controller/daemon/sqlite_store.h"
#include "tests/unit/daemon/store_test_support.h"

namespace rfneedle::daemon {
namespace {

using core::Condition;
using core::Severity;
using core::State;
using testing::fields;

using testing::InMemory;
using testing::InSqlite;

template <typename Maker>
class StoreBehaviour : public ::testing::Test {
 protected:
  Maker maker_;
  std::unique_ptr<Store> store_ = maker_.make();
};

struct StoreName {
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, InMemory> ? "MemoryStore" : "SqliteStore";
  }
};

using Stores = ::testing::Types<InMemory, InSqlite>;
TYPED_TEST_SUITE(StoreBehaviour, Stores, StoreName);

TYPED_TEST(StoreBehaviour, NumbersEventsFromOneInTheOrderTheyCame) {
  Store& store = *this->store_;
  StoredEvent first = testing::event_at(1000, Severity::kWarningHigh);
  StoredEvent second = testing::event_at(2000, Severity::kDiagnostic);
  second.condition.reset();
  ASSERT_TRUE(store.append_event(first));
  ASSERT_TRUE(store.append_event(second));
  EXPECT_EQ(first.id, 1u);
  EXPECT_EQ(second.id, 2u);

  const std::vector<StoredEvent> all = store.events({});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(fields(all[0]), fields(first));
  EXPECT_EQ(fields(all[1]), fields(second));
}

TYPED_TEST(StoreBehaviour, QueriesEventsByIdTimeSeverityAndLimit) {
  Store& store = *this->store_;
  const Severity severities[] = {Severity::kDiagnostic, Severity::kWarningLow, Severity::kFatal,
                                 Severity::kCommand, Severity::kWarningHigh};
  for (int i = 0; i < 5; ++i) {
    StoredEvent e = testing::event_at(1000 * (i + 1), severities[i]);
    ASSERT_TRUE(store.append_event(e));
  }
  auto ids = [&](const EventQuery& q) {
    std::vector<std::uint64_t> found;
    for (const StoredEvent& e : store.events(q)) {
      found.push_back(e.id);
    }
    return found;
  };
  using Ids = std::vector<std::uint64_t>;
  auto query = [](std::uint64_t after_id, std::optional<WallMs> since, std::optional<WallMs> until,
                  std::optional<Severity> min_severity, std::uint32_t limit) {
    EventQuery q;
    q.after_id = after_id;
    q.since = since;
    q.until = until;
    q.min_severity = min_severity;
    q.limit = limit;
    return q;
  };
  const auto any = std::nullopt;
  EXPECT_EQ(ids(query(3, any, any, any, 100)), (Ids{4, 5}));
  EXPECT_EQ(ids(query(0, 2000, any, any, 100)), (Ids{2, 3, 4, 5}));
  EXPECT_EQ(ids(query(0, any, 2000, any, 100)), (Ids{1, 2}));
  EXPECT_EQ(ids(query(0, 2000, 4000, any, 100)), (Ids{2, 3, 4}));
  EXPECT_EQ(ids(query(0, any, any, Severity::kWarningLow, 100)), (Ids{2, 3, 5}));
  EXPECT_EQ(ids(query(0, any, any, any, 2)), (Ids{1, 2}));
  EXPECT_EQ(ids(query(1, any, any, Severity::kCommand, 2)), (Ids{2, 3}));
  EXPECT_EQ(ids(query(5, any, any, any, 100)), Ids{});
}

TYPED_TEST(StoreBehaviour, HandsBackEveryLatchInForceWithItsRecord) {
  Store& store = *this->store_;
  EXPECT_TRUE(store.active_latches().empty());
  StoredLatch fault = testing::latch(State::kFault, Condition::kShortCircuit, 10);
  StoredLatch stuck = testing::latch(State::kNeedleStuck, Condition::kRetractionFailed, 20);
  ASSERT_TRUE(store.save_latch(fault));
  ASSERT_TRUE(store.save_latch(stuck));

  const std::vector<StoredLatch> active = store.active_latches();
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(fields(active[0]), fields(fault));
  EXPECT_EQ(fields(active[1]), fields(stuck));
}

TYPED_TEST(StoreBehaviour, AStandbyRecordClearsTheLatchesBeforeIt) {
  Store& store = *this->store_;
  ASSERT_TRUE(store.save_latch(testing::latch(State::kFault, Condition::kShortCircuit, 10)));
  ASSERT_TRUE(store.save_latch(testing::latch(State::kServiceLock, Condition::kRepeatedFault, 20)));
  StoredLatch reset = testing::latch(State::kStandby, Condition::kRepeatedFault, 30);
  reset.cleared_by = "service";
  reset.reason = "replaced the handpiece";
  ASSERT_TRUE(store.save_latch(reset));
  EXPECT_TRUE(store.active_latches().empty());

  StoredLatch again = testing::latch(State::kFault, Condition::kEStop, 40);
  ASSERT_TRUE(store.save_latch(again));
  const std::vector<StoredLatch> active = store.active_latches();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(fields(active[0]), fields(again));
}

TYPED_TEST(StoreBehaviour, KeepsTheLatestRecordOfEachLatchedState) {
  Store& store = *this->store_;
  ASSERT_TRUE(store.save_latch(testing::latch(State::kFault, Condition::kShortCircuit, 10)));
  ASSERT_TRUE(store.save_latch(testing::latch(State::kServiceLock, Condition::kRepeatedFault, 20)));
  StoredLatch later = testing::latch(State::kFault, Condition::kMotorStall, 30);
  ASSERT_TRUE(store.save_latch(later));

  const std::vector<StoredLatch> active = store.active_latches();
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(active[0].latch.state, State::kServiceLock);
  EXPECT_EQ(fields(active[1]), fields(later));
}

TYPED_TEST(StoreBehaviour, KeepsEachSessionWithWhoAndWhatItWasDoneWith) {
  Store& store = *this->store_;
  EXPECT_EQ(store.last_session_id(), 0u);
  EXPECT_FALSE(store.session(7).has_value());
  SessionRecord with_calibration = testing::session_record(7);
  SessionRecord without = testing::session_record(9);
  without.calibration.reset();
  without.override_reason.clear();
  ASSERT_TRUE(store.open_session(with_calibration));
  ASSERT_TRUE(store.open_session(without));

  ASSERT_TRUE(store.session(7).has_value());
  EXPECT_EQ(fields(*store.session(7)), fields(with_calibration));
  ASSERT_TRUE(store.session(9).has_value());
  EXPECT_EQ(fields(*store.session(9)), fields(without));
  EXPECT_EQ(store.last_session_id(), 9u);
}

TYPED_TEST(StoreBehaviour, RefusesASecondSessionWithTheSameId) {
  Store& store = *this->store_;
  ASSERT_TRUE(store.open_session(testing::session_record(3)));
  SessionRecord other = testing::session_record(3);
  other.patient_ref = "P-other";
  EXPECT_FALSE(store.open_session(other));
  EXPECT_EQ(store.session(3)->patient_ref, "P-3");
}

TYPED_TEST(StoreBehaviour, ClosesASessionWithItsTimeAndOutcome) {
  Store& store = *this->store_;
  ASSERT_TRUE(store.open_session(testing::session_record(4)));
  ASSERT_TRUE(store.close_session(4, 1'700'000'999'000, "closed"));
  const std::optional<SessionRecord> closed = store.session(4);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->closed_at, 1'700'000'999'000);
  EXPECT_EQ(closed->outcome, "closed");
  EXPECT_FALSE(store.close_session(5, 1'700'000'999'000, "closed"));
}

TYPED_TEST(StoreBehaviour, ListsSessionsNewestFirstUpToTheLimit) {
  Store& store = *this->store_;
  for (std::uint64_t id : {2u, 5u, 3u}) {
    ASSERT_TRUE(store.open_session(testing::session_record(id)));
  }
  std::vector<std::uint64_t> ids;
  for (const SessionRecord& s : store.sessions(2)) {
    ids.push_back(s.id);
  }
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{5, 3}));
  EXPECT_EQ(store.sessions(10).size(), 3u);
}

// Verifies: SR-69
TYPED_TEST(StoreBehaviour, StoresAPulseStartedThenFinishedOnceWithItsFinalValues) {
  Store& store = *this->store_;
  ASSERT_TRUE(store.save_pulse(testing::started_pulse(41, 7)));
  ASSERT_EQ(store.pulses_of_session(7).size(), 1u);
  EXPECT_EQ(store.pulses_of_session(7)[0].record.outcome, core::PulseOutcome::kStarted);

  StoredPulse finished = testing::finished_pulse(41, 7);
  ASSERT_TRUE(store.save_pulse(finished));
  const std::vector<StoredPulse> pulses = store.pulses_of_session(7);
  ASSERT_EQ(pulses.size(), 1u);
  EXPECT_EQ(fields(pulses[0]), fields(finished));
}

TYPED_TEST(StoreBehaviour, ListsASessionsPulsesByIdWithEveryField) {
  Store& store = *this->store_;
  StoredPulse reconciled = testing::finished_pulse(12, 7);
  reconciled.reconciled = true;
  reconciled.record.kind = core::PulseKind::kSelfTest;
  reconciled.record.cause.reset();
  reconciled.record.outcome = core::PulseOutcome::kCompleted;
  ASSERT_TRUE(store.save_pulse(reconciled));
  ASSERT_TRUE(store.save_pulse(testing::finished_pulse(10, 7)));
  ASSERT_TRUE(store.save_pulse(testing::finished_pulse(11, 8)));

  const std::vector<StoredPulse> pulses = store.pulses_of_session(7);
  ASSERT_EQ(pulses.size(), 2u);
  EXPECT_EQ(fields(pulses[0]), fields(testing::finished_pulse(10, 7)));
  EXPECT_EQ(fields(pulses[1]), fields(reconciled));
  EXPECT_TRUE(store.pulses_of_session(9).empty());
}

TYPED_TEST(StoreBehaviour, ForgetsThePulsesDeviceInstantWhichMeansNothingAfterARestart) {
  Store& store = *this->store_;
  StoredPulse pulse = testing::finished_pulse(1, 1);
  pulse.record.started = Instant{seconds(5)};
  ASSERT_TRUE(store.save_pulse(pulse));
  EXPECT_EQ(store.pulses_of_session(1).at(0).record.started, Instant{});
  EXPECT_EQ(store.pulses_of_session(1).at(0).started_at, pulse.started_at);
}

// Verifies: SR-68
TYPED_TEST(StoreBehaviour, FindsPulsesByIdFromAnIdAndTheFirstStillStarted) {
  Store& store = *this->store_;
  EXPECT_FALSE(store.pulse(1).has_value());
  EXPECT_FALSE(store.first_started_pulse_id().has_value());
  EXPECT_EQ(store.last_stored_pulse_id(), 0u);
  ASSERT_TRUE(store.save_pulse(testing::finished_pulse(3, 1)));
  ASSERT_TRUE(store.save_pulse(testing::started_pulse(4, 1)));
  ASSERT_TRUE(store.save_pulse(testing::started_pulse(6, 2)));
  ASSERT_TRUE(store.save_pulse(testing::finished_pulse(6, 2)));
  ASSERT_TRUE(store.reserve_pulse_ids(64));

  ASSERT_TRUE(store.pulse(6).has_value());
  EXPECT_EQ(fields(*store.pulse(6)), fields(testing::finished_pulse(6, 2)));
  std::vector<std::uint64_t> ids;
  for (const StoredPulse& p : store.pulses_from(4, 10)) {
    ids.push_back(p.record.pulse_id);
  }
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{4, 6}));
  EXPECT_EQ(store.pulses_from(1, 1).size(), 1u);
  EXPECT_EQ(store.first_started_pulse_id(), 4u);
  EXPECT_EQ(store.last_stored_pulse_id(), 6u);  // the reservation aside
}

TYPED_TEST(StoreBehaviour, KeepsEachBoardsLatestIdentity) {
  Store& store = *this->store_;
  EXPECT_FALSE(store.board_identity(core::Board::kGenerator).has_value());
  ASSERT_TRUE(store.save_board_identity({core::Board::kGenerator, "GEN-7", "1.4.2", 1000}));
  ASSERT_TRUE(store.save_board_identity({core::Board::kActuator, "ACT-3", "2.0.0", 1000}));
  ASSERT_TRUE(store.save_board_identity({core::Board::kGenerator, "GEN-8", "1.4.2", 2000}));
  const std::optional<BoardIdentity> generator = store.board_identity(core::Board::kGenerator);
  ASSERT_TRUE(generator.has_value());
  EXPECT_EQ(generator->serial, "GEN-8");
  EXPECT_EQ(generator->firmware, "1.4.2");
  EXPECT_EQ(generator->seen_at, 2000);
  EXPECT_EQ(generator->board, core::Board::kGenerator);
  EXPECT_EQ(store.board_identity(core::Board::kActuator)->serial, "ACT-3");
}

TYPED_TEST(StoreBehaviour, KeepsAPulseMarkedNotDeliveredByReconciliation) {
  Store& store = *this->store_;
  StoredPulse p = testing::started_pulse(9, 1);
  p.record.outcome = core::PulseOutcome::kNotDelivered;
  p.reconciled = true;
  ASSERT_TRUE(store.save_pulse(p));
  ASSERT_TRUE(store.pulse(9).has_value());
  EXPECT_EQ(fields(*store.pulse(9)), fields(p));
}

TYPED_TEST(StoreBehaviour, LastPulseIdIsTheHighestStoredOrReserved) {
  Store& store = *this->store_;
  EXPECT_EQ(store.last_pulse_id(), 0u);
  EXPECT_EQ(store.reserved_pulse_ids(), 0u);
  ASSERT_TRUE(store.reserve_pulse_ids(16));
  EXPECT_EQ(store.reserved_pulse_ids(), 16u);
  EXPECT_EQ(store.last_pulse_id(), 16u);
  ASSERT_TRUE(store.save_pulse(testing::started_pulse(3, 1)));
  EXPECT_EQ(store.last_pulse_id(), 16u);
  ASSERT_TRUE(store.save_pulse(testing::started_pulse(20, 1)));
  EXPECT_EQ(store.last_pulse_id(), 20u);
}

// Verifies: SR-68
TYPED_TEST(StoreBehaviour, APulseIdReservationNeverShrinks) {
  Store& store = *this->store_;
  ASSERT_TRUE(store.reserve_pulse_ids(32));
  ASSERT_TRUE(store.reserve_pulse_ids(8));
  EXPECT_EQ(store.reserved_pulse_ids(), 32u);
  ASSERT_TRUE(store.reserve_pulse_ids(48));
  EXPECT_EQ(store.reserved_pulse_ids(), 48u);
}

// Verifies: SR-66
TYPED_TEST(StoreBehaviour, TheLatestPassedCalibrationOfEachGeneratorIsInForce) {
  Store& store = *this->store_;
  EXPECT_TRUE(store.calibrations_in_force().empty());
  StoredCalibration old7 = testing::stored_calibration("GEN-7", 990'000, 19'000);
  StoredCalibration gen8 = testing::stored_calibration("GEN-8", 1'000'500, 19'100);
  StoredCalibration new7 = testing::stored_calibration("GEN-7", 1'010'000, 19'200);
  StoredCalibration failed7 = testing::stored_calibration("GEN-7", 0, 19'300, false);
  for (StoredCalibration* c : {&old7, &gen8, &new7, &failed7}) {
    ASSERT_TRUE(store.save_calibration(*c));
  }
  EXPECT_EQ(old7.id, 1u);
  EXPECT_EQ(failed7.id, 4u);
  EXPECT_EQ(new7.record.record_id, 3u);

  // A failed calibration changed nothing: GEN-7's last passed one stays in force.
  const std::vector<StoredCalibration> in_force = store.calibrations_in_force();
  ASSERT_EQ(in_force.size(), 2u);
  EXPECT_EQ(fields(in_force[0]), fields(gen8));
  EXPECT_EQ(fields(in_force[1]), fields(new7));
}

// Verifies: SR-66
TYPED_TEST(StoreBehaviour, KeepsEveryCalibrationPassedOrFailedNewestFirst) {
  Store& store = *this->store_;
  StoredCalibration passed = testing::stored_calibration("GEN-7", 1'004'000, 19'500);
  StoredCalibration failed = testing::stored_calibration("GEN-7", 0, 19'600, false);
  ASSERT_TRUE(store.save_calibration(passed));
  ASSERT_TRUE(store.save_calibration(failed));

  const std::vector<StoredCalibration> all = store.calibrations(10);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(fields(all[0]), fields(failed));
  EXPECT_EQ(fields(all[1]), fields(passed));
  EXPECT_EQ(all[0].reason, "a calibration run failed or none ran: nothing changed");
  const std::vector<StoredCalibration> newest = store.calibrations(1);
  ASSERT_EQ(newest.size(), 1u);
  EXPECT_EQ(newest[0].id, failed.id);
}

// Verifies: SR-72
TYPED_TEST(StoreBehaviour, AppendsAuditEntriesInOrderAndReadsThemFromAnId) {
  Store& store = *this->store_;
  AuditEntry login = testing::audit_entry(100, "/api/v1/login");
  AuditEntry arm = testing::audit_entry(200, "/api/v1/arm");
  AuditEntry stop = testing::audit_entry(300, "/api/v1/stop");
  for (AuditEntry* e : {&login, &arm, &stop}) {
    ASSERT_TRUE(store.append_audit(*e));
  }
  EXPECT_EQ(login.id, 1u);
  EXPECT_EQ(stop.id, 3u);

  const std::vector<AuditEntry> all = store.audit(0, 10);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(fields(all[0]), fields(login));
  EXPECT_EQ(fields(all[2]), fields(stop));
  const std::vector<AuditEntry> page = store.audit(1, 1);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(fields(page[0]), fields(arm));
  EXPECT_EQ(store.last_audit_id(), std::optional<std::uint64_t>(3));
}

// Verifies: SR-72
TYPED_TEST(StoreBehaviour, LinksEveryAuditEntryToTheOneBeforeIt) {
  Store& store = *this->store_;
  EXPECT_EQ(store.last_audit_id(), std::optional<std::uint64_t>(0));
  std::vector<AuditEntry> written;
  for (WallMs at : {100, 200, 300}) {
    AuditEntry e = testing::audit_entry(at, "/api/v1/arm");
    e.previous_hash = "given by the caller";  // the store links it, whatever it is given
    ASSERT_TRUE(store.append_audit(e));
    written.push_back(e);
  }
  EXPECT_EQ(written[0].previous_hash, kAuditChainStart);
  EXPECT_EQ(written[1].previous_hash, written[0].row_hash);
  EXPECT_EQ(written[2].previous_hash, written[1].row_hash);
  AuditChainCheck check;
  for (const AuditEntry& e : store.audit(0, 10)) {
    EXPECT_EQ(e.row_hash, audit_row_hash(e));
    check.add(e);
  }
  EXPECT_TRUE(check.result().ok) << check.result().problem;
  EXPECT_EQ(check.result().rows, 3u);
}

TYPED_TEST(StoreBehaviour, KeepsOperatorsByUserNameAndRefusesASecondWithTheSameName) {
  Store& store = *this->store_;
  EXPECT_TRUE(store.operators().empty());
  ASSERT_TRUE(store.add_operator(testing::operator_record("carol", 100)));
  ASSERT_TRUE(store.add_operator(testing::operator_record("alice", 200)));
  EXPECT_FALSE(store.add_operator(testing::operator_record("alice", 300)));
  const std::vector<OperatorRecord> all = store.operators();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(fields(all[0]), fields(testing::operator_record("alice", 200)));
  EXPECT_EQ(fields(all[1]), fields(testing::operator_record("carol", 100)));
  ASSERT_TRUE(store.find_operator("carol"));
  EXPECT_EQ(fields(*store.find_operator("carol")), fields(testing::operator_record("carol", 100)));
  EXPECT_FALSE(store.find_operator("Carol")) << "user names are exact";
}

TYPED_TEST(StoreBehaviour, AnOperatorUpdateChangesThePinHashTheFlagAndTheTimeOnly) {
  Store& store = *this->store_;
  ASSERT_TRUE(store.add_operator(testing::operator_record("alice", 100)));
  OperatorRecord changed{"alice", "$argon2id$new", true, 999, 500};
  ASSERT_TRUE(store.update_operator(changed));
  EXPECT_EQ(fields(*store.find_operator("alice")),
            fields(OperatorRecord{"alice", "$argon2id$new", true, 100, 500}));
  EXPECT_FALSE(store.update_operator(testing::operator_record("bob", 1)));
  EXPECT_FALSE(store.find_operator("bob"));
}

TYPED_TEST(StoreBehaviour, KeepsTheScreeningAnswersTheCourseReasonAndThePatientsCourse) {
  Store* store = this->store_.get();
  SessionRecord first = testing::session_record(1);
  first.patient_ref = "P-9";
  first.opened_at = 1000;
  first.screening_yes = {"smoking_last_2_weeks", "pregnancy"};
  SessionRecord other = testing::session_record(2);
  other.patient_ref = "P-10";
  SessionRecord second = testing::session_record(3);
  second.patient_ref = "P-9";
  second.opened_at = 2000;
  second.course_reason = "touch-up agreed with the patient";
  ASSERT_TRUE(store->open_session(first));
  ASSERT_TRUE(store->open_session(other));
  ASSERT_TRUE(store->open_session(second));
  StoredPulse pulse = testing::finished_pulse(7, 3);
  pulse.area = core::BodyArea::kNeck;
  ASSERT_TRUE(store->save_pulse(pulse));
  EXPECT_EQ(store->session(1)->screening_yes, first.screening_yes);
  const std::vector<CourseSession> course = store->course("P-9");
  ASSERT_EQ(course.size(), 2u);
  EXPECT_EQ(course[0].session.id, 1u);
  EXPECT_EQ(course[1].session.id, 3u);
  EXPECT_EQ(course[1].session.course_reason, "touch-up agreed with the patient");
  // The area it opened on, then those its pulses treated.
  EXPECT_EQ(course[1].areas,
            (std::vector<core::BodyArea>{second.area, core::BodyArea::kNeck}));
  EXPECT_TRUE(store->course("P-404").empty());
}

// Issue 13 (counters): the device's life from its records: pulses by kind and outcome, RF
// time of every kind, treatment energy, each cartridge's use (a swapped-in cartridge and a
// reconciled pulse counted where they belong) and every condition raised.
TYPED_TEST(StoreBehaviour, CountsTheDevicesLifeFromItsRecords) {
  Store& store = *this->store_;
  ASSERT_TRUE(store.open_session(testing::session_record(1)));  // CART0001
  SessionRecord second = testing::session_record(2);
  second.cartridge_serial = "CART0002";
  ASSERT_TRUE(store.open_session(second));

  ASSERT_TRUE(store.save_pulse(testing::finished_pulse(1, 1)));  // 0.955 J, 79.6 ms
  StoredPulse swapped = testing::finished_pulse(2, 1);            // after a swap mid-session
  swapped.cartridge_serial = "CART0003";
  ASSERT_TRUE(store.save_pulse(swapped));
  StoredPulse reconciled = testing::finished_pulse(3, 1);  // from the generator's log
  reconciled.cartridge_serial = "";
  reconciled.reconciled = true;
  reconciled.record.outcome = core::PulseOutcome::kCompleted;
  ASSERT_TRUE(store.save_pulse(reconciled));
  StoredPulse stopped = testing::started_pulse(4, 2);  // STOP before RF: no cartridge use
  stopped.record.outcome = core::PulseOutcome::kAborted;
  stopped.cartridge_serial = "CART0002";
  ASSERT_TRUE(store.save_pulse(stopped));
  StoredPulse self_test = testing::finished_pulse(5, 0);
  self_test.record.kind = core::PulseKind::kSelfTest;
  self_test.record.outcome = core::PulseOutcome::kCompleted;
  self_test.record.rf_time = microseconds(400);
  ASSERT_TRUE(store.save_pulse(self_test));

  for (Condition c : {Condition::kSkinHot, Condition::kSkinHot, Condition::kImpedanceOutOfWindow}) {
    StoredEvent e = testing::event_at(1000, Severity::kWarningHigh);
    e.condition = c;
    ASSERT_TRUE(store.append_event(e));
  }
  StoredEvent cleared = testing::event_at(2000, Severity::kActivityLow);
  cleared.kind = core::EventKind::kConditionCleared;
  ASSERT_TRUE(store.append_event(cleared));

  const std::optional<LifetimeCounters> c = store.lifetime_counters();
  ASSERT_TRUE(c);
  using core::PulseKind;
  using core::PulseOutcome;
  auto pulses = [](const PulseCount& p) { return std::tuple(p.kind, p.outcome, p.pulses); };
  std::vector<std::tuple<PulseKind, PulseOutcome, std::uint64_t>> counted;
  std::transform(c->pulses.begin(), c->pulses.end(), std::back_inserter(counted), pulses);
  EXPECT_EQ(counted, (decltype(counted){{PulseKind::kTreatment, PulseOutcome::kCompleted, 1},
                                        {PulseKind::kTreatment, PulseOutcome::kEnded, 2},
                                        {PulseKind::kTreatment, PulseOutcome::kAborted, 1},
                                        {PulseKind::kSelfTest, PulseOutcome::kCompleted, 1}}));
  EXPECT_EQ(c->rf_time_us, 3 * 79'600 + 400);
  EXPECT_EQ(c->delivered_energy_uj, 3 * 955'000);

  auto use = [](const CartridgeUse& u) {
    return std::tuple(u.serial, u.sessions, u.pulses, u.delivered_energy_uj, u.last_pulse_at);
  };
  std::vector<std::tuple<std::string, std::uint64_t, std::uint64_t, std::int64_t, WallMs>> uses;
  std::transform(c->cartridges.begin(), c->cartridges.end(), std::back_inserter(uses), use);
  const WallMs at = testing::started_pulse(0, 0).started_at;
  EXPECT_EQ(uses, (decltype(uses){{"CART0001", 1, 2, 2 * 955'000, at + 3},
                                  {"CART0002", 1, 0, 0, 0},
                                  {"CART0003", 0, 1, 955'000, at + 2}}));

  ASSERT_EQ(c->conditions.size(), 2u);
  EXPECT_EQ(c->conditions[0].condition, std::min(Condition::kSkinHot, Condition::kImpedanceOutOfWindow));
  std::map<Condition, std::uint64_t> raised;
  for (const ConditionCount& k : c->conditions) raised[k.condition] = k.raised;
  EXPECT_EQ(raised, (std::map<Condition, std::uint64_t>{{Condition::kSkinHot, 2},
                                                         {Condition::kImpedanceOutOfWindow, 1}}));
}

}  // namespace
}  // namespace rfneedle::daemon
