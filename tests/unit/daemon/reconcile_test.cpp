// Reconciliation of the generator's pulse log with the store (SR-70), one specification run
// against both stores; and the reader that decides which part of the log is read.
#include "controller/daemon/reconcile.h"

#include <gtest/gtest.h>

#include <memory>

#include "controller/daemon/memory_store.h"
#include "controller/daemon/pulse_log_reader.h"
#include "controller/daemon/sqlite_store.h"
#include "tests/unit/daemon/fake_store.h"
#include "tests/unit/daemon/store_test_support.h"

namespace rfneedle::daemon {
namespace {

using core::PulseOutcome;
using Ids = std::vector<std::uint64_t>;

using testing::InMemory;
using testing::InSqlite;

template <typename Maker>
class Reconciliation : public ::testing::Test {
 protected:
  Maker maker_;
  std::unique_ptr<Store> store_ = maker_.make();

  // The scope the daemon uses: read from `from`, this device's IDs reserved up to 64.
  static ReconcileScope scope(std::uint64_t from) {
    ReconcileScope s;
    s.from_pulse_id = from;
    s.through_pulse_id = 64;
    s.session_id = 3;
    s.area = core::BodyArea::kForehead;
    s.at = 1'700'000'200'000;
    return s;
  }
};

struct StoreName {
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, InMemory> ? "MemoryStore" : "SqliteStore";
  }
};

using Stores = ::testing::Types<InMemory, InSqlite>;
TYPED_TEST_SUITE(Reconciliation, Stores, StoreName);

LoggedPulse logged(std::uint64_t id, std::uint32_t energy_uj, device::PulseEnd end) {
  LoggedPulse p;
  p.pulse_id = id;
  p.delivered_duration = microseconds(energy_uj / 10);  // at 10 W
  p.delivered_energy = Microjoules(energy_uj);
  p.set_power = watts(10);
  p.mean_power = Milliwatts(9'990);
  p.impedance_min = ohms(180);
  p.impedance_max = ohms(240);
  p.end = end;
  return p;
}

device::PulseLogReply reply(std::initializer_list<std::uint64_t> ids, bool more) {
  device::PulseLogReply r;
  for (std::uint64_t id : ids) {
    device::PulseLogEntry* e = r.add_entries();
    e->set_pulse_id(id);
    e->set_delivered_energy_uj(1'000);
    e->set_end(device::PULSE_END_DURATION);
  }
  r.set_more(more);
  return r;
}

// The core's final record of a pulse whose generator link went mid-pulse: it saw the
// energy only up to the last telemetry sample (SR-39: the board ran on to its dead-man).
StoredPulse faulted_mid_pulse(std::uint64_t id) {
  StoredPulse p = testing::started_pulse(id, 3);
  p.record.delivered_energy = Microjoules(310'000);
  p.record.rf_time = microseconds(31'000);
  p.record.outcome = PulseOutcome::kFaulted;
  p.record.cause = core::Condition::kLinkFault;
  return p;
}

// Verifies: SR-70
TYPED_TEST(Reconciliation, CompletesThePulseInFlightFromTheLogAndMarksItReconciled) {
  Store& store = *this->store_;
  ASSERT_TRUE(store.save_pulse(testing::finished_pulse(11, 3)));
  ASSERT_TRUE(store.save_pulse(faulted_mid_pulse(12)));
  const std::vector<LoggedPulse> log{logged(12, 810'000, device::PULSE_END_DEAD_MAN)};

  const ReconcileResult r = reconcile(store, log, this->scope(12));
  EXPECT_EQ(r.completed, Ids{12});
  EXPECT_TRUE(r.added.empty());
  EXPECT_TRUE(r.not_delivered.empty());
  EXPECT_FALSE(r.store_failed);

  const std::optional<StoredPulse> p = store.pulse(12);
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->reconciled);
  EXPECT_EQ(p->record.delivered_energy, Microjoules(810'000));
  EXPECT_EQ(p->record.rf_time, microseconds(81'000));
  EXPECT_EQ(p->record.impedance_min, ohms(180));
  EXPECT_EQ(p->record.impedance_max, ohms(240));
  // The core's verdict and its cause stay: the link fault ended it.
  EXPECT_EQ(p->record.outcome, PulseOutcome::kFaulted);
  EXPECT_EQ(p->record.cause, core::Condition::kLinkFault);
  // Outside the scope: untouched.
  EXPECT_FALSE(store.pulse(11)->reconciled);
  EXPECT_EQ(store.pulse(11)->record.delivered_energy, Microjoules(955'000));
}

// Verifies: SR-70
TYPED_TEST(Reconciliation, RunningItTwiceRecordsNothingTwice) {
  Store& store = *this->store_;
  ASSERT_TRUE(store.save_pulse(faulted_mid_pulse(12)));
  const std::vector<LoggedPulse> log{logged(12, 810'000, device::PULSE_END_DEAD_MAN),
                                     logged(13, 400'000, device::PULSE_END_DURATION)};
  const ReconcileResult first = reconcile(store, log, this->scope(12));
  EXPECT_EQ(first.completed, Ids{12});
  EXPECT_EQ(first.added, Ids{13});
  const StoredPulse twelve = *store.pulse(12);
  const StoredPulse thirteen = *store.pulse(13);

  const ReconcileResult again = reconcile(store, log, this->scope(12));
  EXPECT_FALSE(again.changed());
  EXPECT_EQ(again.already_reconciled, 2u);
  EXPECT_EQ(testing::fields(*store.pulse(12)), testing::fields(twelve));
  EXPECT_EQ(testing::fields(*store.pulse(13)), testing::fields(thirteen));
  EXPECT_EQ(store.pulses_from(1, 100).size(), 2u);
}

// Verifies: SR-70
TYPED_TEST(Reconciliation, AddsALoggedPulseMissingFromTheStoreWithTheBoardsValues) {
  Store& store = *this->store_;
  // A crash after the command went and before its started record reached the store: only
  // the reservation was durable (SR-68).
  ASSERT_TRUE(store.reserve_pulse_ids(64));
  const std::vector<LoggedPulse> log{logged(5, 1'000'000, device::PULSE_END_DURATION),
                                     logged(6, 200'000, device::PULSE_END_ABORT)};
  const ReconcileResult r = reconcile(store, log, this->scope(5));
  EXPECT_EQ(r.added, (Ids{5, 6}));

  const std::optional<StoredPulse> five = store.pulse(5);
  ASSERT_TRUE(five.has_value());
  EXPECT_TRUE(five->reconciled);
  EXPECT_EQ(five->record.outcome, PulseOutcome::kCompleted);
  EXPECT_EQ(five->record.delivered_energy, Microjoules(1'000'000));
  EXPECT_EQ(five->record.rf_time, microseconds(100'000));
  EXPECT_EQ(five->record.set.power, watts(10));
  EXPECT_EQ(five->record.session_id, 3u);
  EXPECT_EQ(five->area, core::BodyArea::kForehead);
  EXPECT_EQ(five->started_at, 1'700'000'200'000);
  EXPECT_EQ(store.pulse(6)->record.outcome, PulseOutcome::kAborted);
  EXPECT_EQ(store.pulses_of_session(3).size(), 2u);
}

// Verifies: SR-70
TYPED_TEST(Reconciliation, MarksAStoredIdTheLogDoesNotHoldNotDelivered) {
  Store& store = *this->store_;
  // Started, then the crash: the command never reached the generator.
  ASSERT_TRUE(store.save_pulse(testing::started_pulse(20, 3)));
  const ReconcileResult r = reconcile(store, {}, this->scope(20));
  EXPECT_EQ(r.not_delivered, Ids{20});
  const std::optional<StoredPulse> p = store.pulse(20);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->record.outcome, PulseOutcome::kNotDelivered);
  EXPECT_EQ(p->record.delivered_energy, Microjoules(0));
  EXPECT_TRUE(p->reconciled);
}

// Verifies: SR-70
TYPED_TEST(Reconciliation, AStartedRecordInTheLogTakesTheOutcomeTheGeneratorGaveIt) {
  Store& store = *this->store_;
  ASSERT_TRUE(store.save_pulse(testing::started_pulse(30, 3)));
  ASSERT_TRUE(store.save_pulse(testing::started_pulse(31, 3)));
  const std::vector<LoggedPulse> log{logged(30, 960'000, device::PULSE_END_DURATION),
                                     logged(31, 50'000, device::PULSE_END_DEAD_MAN)};
  const ReconcileResult r = reconcile(store, log, this->scope(30));
  EXPECT_EQ(r.completed, (Ids{30, 31}));
  EXPECT_EQ(store.pulse(30)->record.outcome, PulseOutcome::kCompleted);
  EXPECT_EQ(store.pulse(31)->record.outcome, PulseOutcome::kFaulted);
  EXPECT_FALSE(store.first_started_pulse_id().has_value());
}

// Verifies: SR-70
TYPED_TEST(Reconciliation, LeavesARecordWithEnergyThatTheLogLacksAndReportsIt) {
  Store& store = *this->store_;
  ASSERT_TRUE(store.save_pulse(testing::finished_pulse(40, 3)));
  const ReconcileResult r = reconcile(store, {}, this->scope(40));
  EXPECT_EQ(r.contradicted, Ids{40});
  EXPECT_FALSE(r.changed());
  EXPECT_EQ(testing::fields(*store.pulse(40)), testing::fields(testing::finished_pulse(40, 3)));
}

// Verifies: SR-70
TYPED_TEST(Reconciliation, IgnoresLoggedIdsOutsideItsScope) {
  Store& store = *this->store_;
  // Below the read's start, and above this device's reservation (another device's IDs).
  const std::vector<LoggedPulse> log{logged(9, 1'000, device::PULSE_END_DURATION),
                                     logged(65, 1'000, device::PULSE_END_DURATION)};
  const ReconcileResult r = reconcile(store, log, this->scope(10));
  EXPECT_FALSE(r.changed());
  EXPECT_TRUE(store.pulses_from(1, 100).empty());
}

// Verifies: SR-70
TYPED_TEST(Reconciliation, ClosesTheSessionsThePreviousRunLeftOpenAsInterruptedOnce) {
  Store& store = *this->store_;
  ASSERT_TRUE(store.open_session(testing::session_record(4)));
  ASSERT_TRUE(store.close_session(4, 1'700'000'100'000, "closed"));
  ASSERT_TRUE(store.open_session(testing::session_record(5)));

  const InterruptedSessions first = close_interrupted_sessions(store, 1'700'000'300'000);
  EXPECT_EQ(first.closed, Ids{5});
  EXPECT_FALSE(first.store_failed);
  const std::optional<SessionRecord> five = store.session(5);
  ASSERT_TRUE(five.has_value());
  EXPECT_EQ(five->outcome, "interrupted");
  EXPECT_EQ(five->closed_at, std::optional<WallMs>(1'700'000'300'000));
  EXPECT_EQ(store.session(4)->outcome, "closed");

  EXPECT_TRUE(close_interrupted_sessions(store, 1'700'000'400'000).closed.empty());
  EXPECT_EQ(store.session(5)->closed_at, std::optional<WallMs>(1'700'000'300'000));
}

// Verifies: SR-70
TYPED_TEST(Reconciliation, APulseStartedWhileTheLogIsReadIsNotJudgedByIt) {
  Store& store = *this->store_;
  // Start-up: the previous run reserved IDs up to 16 and stored pulse 9 as its last.
  ASSERT_TRUE(store.save_pulse(testing::finished_pulse(9, 3)));
  ASSERT_TRUE(store.reserve_pulse_ids(16 + 64));  // this run's reservation
  PulseLogReader reader;
  reader.read_at_connect(reconcile_from(store), 16);
  ASSERT_TRUE(reader.on_connected().has_value());
  // The self-test's at-depth check starts its pulse before the log's reply comes.
  reader.on_pulse_id_used(17);
  ASSERT_TRUE(store.save_pulse(testing::started_pulse(17, 0)));
  EXPECT_FALSE(reader.on_reply(reply({}, false)).has_value());
  ASSERT_NE(reader.finished(), nullptr);

  const ReconcileScope scope = scope_of(*reader.finished());
  EXPECT_EQ(scope.from_pulse_id, 10u);
  EXPECT_EQ(scope.through_pulse_id, 16u);
  const ReconcileResult r = reconcile(store, {}, scope);
  EXPECT_TRUE(r.not_delivered.empty());
  const std::optional<StoredPulse> seventeen = store.pulse(17);
  ASSERT_TRUE(seventeen.has_value());
  EXPECT_EQ(seventeen->record.outcome, PulseOutcome::kStarted);
  EXPECT_FALSE(seventeen->reconciled);
}

TYPED_TEST(Reconciliation, ReadsFromTheFirstStartedRecordOrPastTheLastOne) {
  Store& store = *this->store_;
  EXPECT_EQ(reconcile_from(store), 1u);
  ASSERT_TRUE(store.save_pulse(testing::finished_pulse(7, 3)));
  EXPECT_EQ(reconcile_from(store), 8u);
  ASSERT_TRUE(store.save_pulse(testing::started_pulse(8, 3)));
  EXPECT_EQ(reconcile_from(store), 8u);
}

// Verifies: SR-70
TEST(Reconciliation, AFailedWriteStopsAndTheSameRunLaterFinishesIt) {
  testing::FakeStore store;
  const std::vector<LoggedPulse> log{logged(1, 1'000, device::PULSE_END_DURATION),
                                     logged(2, 2'000, device::PULSE_END_DURATION)};
  ReconcileScope scope;
  scope.through_pulse_id = 64;
  store.failing = true;
  const ReconcileResult first = reconcile(store, log, scope);
  EXPECT_TRUE(first.store_failed);
  EXPECT_TRUE(first.added.empty());
  store.failing = false;
  const ReconcileResult second = reconcile(store, log, scope);
  EXPECT_FALSE(second.store_failed);
  EXPECT_EQ(second.added, (Ids{1, 2}));
  EXPECT_EQ(reconcile(store, log, scope).already_reconciled, 2u);
  EXPECT_EQ(store.pulse_writes.size(), 2u);
}

TEST(LoggedPulse, RefusesAnEntryWithAFieldOutsideItsDocumentedRange) {
  device::PulseLogEntry e;
  e.set_pulse_id(4);
  e.set_delivered_duration_us(100'000);
  e.set_delivered_energy_uj(1'000'000);
  e.set_set_power_mw(10'000);
  e.set_mean_power_mw(10'010);
  e.set_impedance_min_ohm(100);
  e.set_impedance_max_ohm(200);
  e.set_end(device::PULSE_END_DURATION);
  const std::optional<LoggedPulse> ok = to_logged_pulse(e);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->delivered_energy, Microjoules(1'000'000));
  EXPECT_EQ(ok->delivered_duration, milliseconds(100));

  device::PulseLogEntry over = e;
  over.set_delivered_energy_uj(3'038'001);
  EXPECT_FALSE(to_logged_pulse(over).has_value());
  over = e;
  over.set_delivered_duration_us(1'000'001);
  EXPECT_FALSE(to_logged_pulse(over).has_value());
  over = e;
  over.set_pulse_id(0);
  EXPECT_FALSE(to_logged_pulse(over).has_value());
}

// Verifies: SR-70
TEST(PulseLogReader, ReadsFromThePulseInFlightAfterTheLinkIsLostPageByPage) {
  PulseLogReader reader;
  reader.on_pulse_id_used(11);
  reader.on_pulse_ended(11);
  EXPECT_FALSE(reader.on_connected().has_value());  // nothing unconfirmed, nothing to read

  reader.on_pulse_id_used(12);  // in flight as the cable is pulled
  reader.on_link_lost();
  const auto first = reader.on_connected();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->from_pulse_id, 12u);
  EXPECT_EQ(first->max_entries, 4u);
  EXPECT_TRUE(reader.reading());

  const auto next = reader.on_reply(reply({12, 13, 14, 15}, true));
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->from_pulse_id, 16u);
  EXPECT_FALSE(reader.on_reply(reply({16}, false)).has_value());
  const PulseLogRead* read = reader.finished();
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(read->from_pulse_id, 12u);
  ASSERT_EQ(read->count, 5u);
  EXPECT_EQ(read->entries[4].pulse_id, 16u);
  reader.take_finished();
  EXPECT_EQ(reader.finished(), nullptr);
  // Read once: the next connect reads nothing again.
  reader.on_link_lost();
  EXPECT_FALSE(reader.on_connected().has_value());
}

// Verifies: SR-70
TEST(PulseLogReader, AReadCutShortByAnotherLinkLossStartsAgainAtTheNextHandshake) {
  PulseLogReader reader;
  reader.read_at_connect(40, 43);  // start-up: the store's first unfinished record
  ASSERT_EQ(reader.on_connected()->from_pulse_id, 40u);
  ASSERT_TRUE(reader.on_reply(reply({40, 41, 42, 43}, true)).has_value());
  reader.on_link_lost();
  EXPECT_FALSE(reader.reading());
  const auto again = reader.on_connected();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->from_pulse_id, 40u);
  EXPECT_FALSE(reader.on_reply(reply({}, false)).has_value());
  ASSERT_NE(reader.finished(), nullptr);
  EXPECT_EQ(reader.finished()->count, 0u);
}

TEST(PulseLogReader, IgnoresEntriesBeforeTheIdAskedAndStopsWhenNoneComeDespiteMore) {
  PulseLogReader reader;
  reader.read_at_connect(10, 10);
  ASSERT_TRUE(reader.on_connected().has_value());
  EXPECT_FALSE(reader.on_reply(reply({3}, true)).has_value());
  ASSERT_NE(reader.finished(), nullptr);
  EXPECT_EQ(reader.finished()->count, 0u);
  EXPECT_EQ(reader.finished()->implausible, 1u);
}

}  // namespace
}  // namespace rfneedle::daemon
