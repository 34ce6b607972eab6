// The records against the real processes (issue 10): a store that fills up mid-treatment
// (SR-85), a store rfneedled cannot use at start-up (SR-86), a wall clock earlier than the
// latest stored record (SR-87) and the patient's course (SR-88). rfneedled and
// rfneedle-sim run as processes (tests/support/device_processes.h); what is asserted is
// the API's status, the store's records and the simulator's ground truth.
#include <SQLiteCpp/Database.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "controller/daemon/sqlite_store.h"
#include "tests/integration/device_test_main.h"
#include "tests/support/treatment_runner.h"

namespace rfneedle::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

bool has_condition(const api::Status& s, const std::string& name) {
  for (const api::ActiveCondition& c : s.conditions()) {
    if (c.name() == name) return true;
  }
  return false;
}

const api::ActiveCondition* condition(const api::Status& s, const std::string& name) {
  for (const api::ActiveCondition& c : s.conditions()) {
    if (c.name() == name) return &c;
  }
  return nullptr;
}

// A tmpfs of `size` mounted at a fresh directory, so the operating system itself answers
// ENOSPC once it is full. Mounting needs CAP_SYS_ADMIN: `error` says why it failed.
class SmallFilesystem {
 public:
  explicit SmallFilesystem(const std::string& size) {
    char pattern[] = "/tmp/rfneedle-small-fs-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) {
      error = std::string("mkdtemp: ") + std::strerror(errno);
      return;
    }
    path = pattern;
    const std::string options = "size=" + size;
    if (::mount("tmpfs", path.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      error = "mount -t tmpfs -o " + options + " " + path.string() + ": " + std::strerror(errno);
      return;
    }
    mounted_ = true;
  }
  ~SmallFilesystem() {
    if (mounted_) ::umount2(path.c_str(), MNT_DETACH);
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
  SmallFilesystem(const SmallFilesystem&) = delete;
  SmallFilesystem& operator=(const SmallFilesystem&) = delete;

  // Writes to the end of a file until the filesystem is full; its size.
  std::uintmax_t fill(const fs::path& file) const {
    std::ofstream out(file, std::ios::binary | std::ios::app);
    const std::string chunk(4096, 'x');
    while (out.write(chunk.data(), static_cast<std::streamsize>(chunk.size())) && out.flush()) {
    }
    out.close();
    std::error_code ec;
    return fs::file_size(file, ec);
  }

  fs::path path;
  std::string error;

 private:
  bool mounted_ = false;
};

// rfneedled ended (SIGTERM) and started again on the same store: the boards' dead-man
// latched meanwhile, a Fault the operator acknowledges (SR-39); then Standby, unless the
// device is held in a latch no acknowledge clears (returned as it is).
api::Status restart_and_acknowledge(DeviceProcesses& device) {
  device.restart_daemon();
  api::Status s;
  if (!eventually(
          [&] {
            s = device.status();
            return s.state() == api::STATE_STANDBY || is_latched(s.state());
          },
          seconds(30))) {
    throw DeviceError("rfneedled did not come back: " + api::State_Name(s.state()));
  }
  if (s.state() == api::STATE_SERVICE_LOCK) return s;
  const std::string op = device.login_operator();
  const auto give_up = std::chrono::steady_clock::now() + seconds(30);
  while (s.state() == api::STATE_FAULT && std::chrono::steady_clock::now() < give_up) {
    if (!device.clear_host_fault()) {
      (void)device.api().post("/api/v1/faults/acknowledge", op);
      std::this_thread::sleep_for(milliseconds(20));
    }
    s = device.status();
  }
  if (s.state() == api::STATE_SERVICE_LOCK) return s;
  return device.wait_for_standby();
}

// Out, then a fresh one in, as the operator does between patients' sessions: the core
// reads the new cartridge's memory (each cartridge is bound to one session, SR-62).
void fresh_cartridge(const DeviceProcesses& device) {
  (void)device.control("cartridge remove");
  ASSERT_TRUE(eventually(
      [&] {
        const api::Status s = device.status();
        return !s.has_cartridge() || s.cartridge().kind() == api::CARTRIDGE_KIND_UNSPECIFIED;
      },
      seconds(5)));
  (void)device.control("cartridge swap");
  ASSERT_TRUE(eventually(
      [&] {
        const api::Status s = device.status();
        return s.has_cartridge() && s.cartridge().kind() != api::CARTRIDGE_KIND_UNSPECIFIED &&
               s.cartridge().bound_session() == 0;
      },
      seconds(5)));
}

api::OpenSessionRequest session_request(const DeviceProcesses& device, const std::string& token,
                                        const std::string& patient_ref, api::BodyArea area) {
  api::OpenSessionRequest request;
  request.set_patient_ref(patient_ref);
  request.set_area(area);
  const auto presets = device.api().get("/api/v1/presets", token).as<api::Presets>();
  for (const api::ChecklistItem& item : presets.checklist()) {
    (*request.mutable_checklist())[item.field()] = api::NO;
  }
  return request;
}

// Verifies: SR-85
// The data directory is a 4 MiB tmpfs; mid-treatment a file fills it. The next commit
// fails: the medium alarm `store_failed`, the device Paused, no pulse delivered while it
// holds; once the file is gone the records follow by themselves, the alarm clears, the
// treatment carries on, and every pulse the simulator delivered is in the store once.
TEST(DeviceRecords, AStoreThatFillsUpMidTreatmentBlocksTheNextPulseAndLosesNoRecord) {
  const auto starved = on_fresh_processes(3, [&] {
    SmallFilesystem small("4m");
    if (!small.error.empty()) {
      GTEST_SKIP() << "no small filesystem to fill (" << small.error
                   << "): mounting a tmpfs needs root (CAP_SYS_ADMIN); the store's own "
                      "full-disk test (store_startup_test) needs the same";
    }
    DeviceProcesses device(device_programs(), {.auto_trigger_hz = 2.0, .data_dir = small.path});
    TreatmentRunner run(device);
    run.open(DeviceProcesses::parameters(2000, 10'000, 100));
    run.arm();
    (void)run.run_until([&](const api::Status&) { return run.completed_pulses() >= 2; });

    const fs::path filler = small.path / "filler";
    ASSERT_GT(small.fill(filler), 0u);
    // The store cuts its WAL back after a checkpoint, which frees room again: fill that too.
    api::Status s = run.run_until(
        [&](const api::Status& st) {
          if (!has_condition(st, "store_failed")) {
            (void)small.fill(filler);
          }
          return has_condition(st, "store_failed") && st.state() == api::STATE_PAUSED;
        },
        seconds(30));
    const api::ActiveCondition* failed = condition(s, "store_failed");
    ASSERT_NE(failed, nullptr);
    EXPECT_EQ(failed->priority(), api::ALARM_PRIORITY_MEDIUM);
    EXPECT_EQ(failed->rung(), api::RUNG_BLOCK_NEXT_PULSE);
    EXPECT_FALSE(s.store_problem().empty());

    // The auto-trigger keeps pressing (2 Hz): no pulse may start while the alarm holds.
    const std::int64_t blocked_from_us = device.sim_status().sim_time_us;
    const auto until = std::chrono::steady_clock::now() + milliseconds(1600);
    s = run.run_until([&](const api::Status&) { return std::chrono::steady_clock::now() > until; },
                      seconds(10));
    EXPECT_TRUE(has_condition(s, "store_failed"));
    for (const SimPulse& p : device.history().pulses) {
      EXPECT_LE(p.rf_on_us, blocked_from_us) << "pulse n" << p.n << " started while store_failed";
    }

    fs::remove(filler);
    const std::size_t before = run.completed_pulses();
    (void)run.run_until([&](const api::Status& st) { return !has_condition(st, "store_failed"); },
                        seconds(10));
    (void)run.run_until([&](const api::Status&) { return run.completed_pulses() >= before + 2; });
    run.disarm();
    EXPECT_THAT(run.mismatches_with_truth(), IsEmpty());
    for (const api::Pulse& p : run.records()) {
      EXPECT_NE(p.outcome(), api::PULSE_OUTCOME_STARTED) << "pulse " << p.pulse_id();
    }
  });
  if (starved) {
    GTEST_SKIP() << *starved;
  }
}

// Verifies: SR-86
// A store with a newer schema than the build's: ServiceLock `store_unusable` with the
// reason on the status, which a service reset does not clear; the file is left as it was.
TEST(DeviceRecords, AStoreWithANewerSchemaLocksTheDeviceWithTheReason) {
  DeviceProcesses device(device_programs());
  ASSERT_TRUE(device.terminate_daemon().has_value());
  const fs::path store = device.store_path();
  {
    SQLite::Database db(store.string(), SQLite::OPEN_READWRITE);
    db.exec("PRAGMA user_version = 9999");
  }
  const api::Status s = restart_and_acknowledge(device);
  ASSERT_EQ(s.state(), api::STATE_SERVICE_LOCK) << api_json(s);
  EXPECT_TRUE(fault_causes(s).contains("store_unusable")) << api_json(s);
  EXPECT_THAT(s.store_problem(), HasSubstr("newer than this build's"));
  api::ResetRequest reset;
  reset.set_reason("trying to clear an unusable store");
  (void)device.api().post("/api/v1/faults/reset", reset, device.login_service());
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(device.status().state(), api::STATE_SERVICE_LOCK);
  SQLite::Database db(store.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 9999);
}

// Verifies: SR-86
// A store that fails `PRAGMA quick_check` (a table's page damaged on disk): the same.
TEST(DeviceRecords, AStoreThatFailsItsQuickCheckLocksTheDeviceWithTheReason) {
  DeviceProcesses device(device_programs());
  ASSERT_TRUE(device.terminate_daemon().has_value());
  const fs::path store = device.store_path();
  std::int64_t page_size = 0;
  std::int64_t events_page = 0;
  {
    SQLite::Database db(store.string(), SQLite::OPEN_READWRITE);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    page_size = db.execAndGet("PRAGMA page_size").getInt64();
    events_page =
        db.execAndGet("SELECT rootpage FROM sqlite_master WHERE name = 'events'").getInt64();
  }
  ASSERT_GT(events_page, 1);
  {
    // The page's first free block pointer, past its end: "free space corruption".
    std::fstream f(store, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp((events_page - 1) * page_size + 1);
    f.write("\xff\xff", 2);
  }
  const api::Status s = restart_and_acknowledge(device);
  ASSERT_EQ(s.state(), api::STATE_SERVICE_LOCK) << api_json(s);
  EXPECT_TRUE(fault_causes(s).contains("store_unusable")) << api_json(s);
  EXPECT_THAT(s.store_problem(), HasSubstr("quick_check failed"));
}

// Verifies: SR-87
// A record dated a day ahead of the wall clock (stored while the clock was wrong): at the
// restart `clock_behind_records` (medium) refuses Arm until a service engineer confirms
// the time, which is audited; then Arm is accepted.
TEST(DeviceRecords, AWallClockBehindTheLatestRecordBlocksArmingUntilServiceConfirmsIt) {
  DeviceProcesses device(device_programs());
  ASSERT_TRUE(device.terminate_daemon().has_value());
  {
    const daemon::SqliteStoreOpen opened = daemon::SqliteStore::open(device.store_path().string());
    ASSERT_TRUE(opened.ok()) << opened.error;
    daemon::StoredEvent ahead;
    ahead.at = std::chrono::duration_cast<milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch() + std::chrono::hours(24))
                   .count();
    ahead.detail = "stored while the wall clock was a day ahead";
    ASSERT_TRUE(opened.store->append_event(ahead));
  }
  api::Status s = restart_and_acknowledge(device);
  ASSERT_EQ(s.state(), api::STATE_STANDBY) << api_json(s);
  const api::ActiveCondition* behind = condition(s, "clock_behind_records");
  ASSERT_NE(behind, nullptr) << api_json(s);
  EXPECT_EQ(behind->priority(), api::ALARM_PRIORITY_MEDIUM);

  const std::string op = device.login_operator();
  (void)device.open_session(op);
  device.set_parameters(op, DeviceProcesses::parameters(2000, 10'000, 100));
  const ApiResponse refused = device.api().post("/api/v1/arm", op);
  EXPECT_EQ(refused.status, 409u) << refused.describe();
  EXPECT_EQ(device.status().state(), api::STATE_STANDBY);

  const std::string service = device.login_service();
  api::ResetRequest confirm;
  confirm.set_reason("clock set from the clinic's time server");
  const ApiResponse confirmed =
      device.api().post("/api/v1/service/clock/confirm", confirm, service);
  ASSERT_TRUE(confirmed.ok()) << confirmed.describe();
  ASSERT_TRUE(eventually([&] { return !has_condition(device.status(), "clock_behind_records"); },
                         seconds(5)));
  device.arm(op);
  // Armed: Ready, or Paused with no touchscreen connected (SR-78).
  EXPECT_TRUE(eventually(
      [&] {
        const api::State st = device.status().state();
        return st == api::STATE_READY || st == api::STATE_PAUSED;
      },
      seconds(5)));
  const ApiResponse again = device.api().post("/api/v1/service/clock/confirm", confirm, service);
  EXPECT_EQ(again.status, 409u) << again.describe();
  const ApiResponse verify = device.api().get("/api/v1/service/audit/verify", service);
  ASSERT_TRUE(verify.ok()) << verify.describe();
  EXPECT_TRUE(verify.as<api::AuditVerification>().ok()) << verify.body;
  // The confirmation is in the audit log, with its reason, as the service role's.
  const daemon::SqliteStoreOpen opened =
      daemon::SqliteStore::open(device.store_path().string(), false);
  ASSERT_TRUE(opened.ok()) << opened.error;
  bool audited = false;
  for (const daemon::AuditEntry& e : opened.store->audit(0, 10'000)) {
    if (e.route.find("/service/clock/confirm") != std::string::npos && e.role == "service" &&
        e.parameters.find("time server") != std::string::npos) {
      audited = true;
    }
  }
  EXPECT_TRUE(audited);
}

// Verifies: SR-88
// A second session for the same patient on the same area within 28 days: 409 naming
// `course_reason`, nothing reaching the core (no session opens), until a reason is given;
// the reason is stored with the session and the course lists both sessions.
TEST(DeviceRecords, ASessionTooSoonInTheCourseNeedsARecordedReason) {
  DeviceProcesses device(device_programs());
  const std::string op = device.login_operator();
  const std::string ref = "P-IT-COURSE";
  const std::uint64_t first = device.open_session(op, api::BODY_AREA_FOREHEAD, ref);
  ASSERT_TRUE(device.api().post("/api/v1/session/close", op).ok());
  fresh_cartridge(device);

  api::OpenSessionRequest request = session_request(device, op, ref, api::BODY_AREA_FOREHEAD);
  const ApiResponse too_soon = device.api().post("/api/v1/session", request, op);
  ASSERT_EQ(too_soon.status, 409u) << too_soon.describe();
  EXPECT_EQ(too_soon.error().field(), "course_reason");
  EXPECT_THAT(too_soon.error().error(), HasSubstr("session " + std::to_string(first)));
  EXPECT_FALSE(device.status().session().open());

  // Another area of the same patient is not this course.
  api::OpenSessionRequest other = session_request(device, op, ref, api::BODY_AREA_NECK);
  other.set_course_reason("not needed");
  const ApiResponse needless = device.api().post("/api/v1/session", other, op);
  EXPECT_EQ(needless.status, 400u) << needless.describe();

  request.set_course_reason("touch-up agreed with the patient after the first session");
  const ApiResponse opened = device.api().post("/api/v1/session", request, op);
  ASSERT_TRUE(opened.ok()) << opened.describe();
  ASSERT_TRUE(eventually([&] { return device.status().session().open(); }, seconds(5)));
  const std::uint64_t second = device.status().session().id();
  EXPECT_NE(second, first);
  ASSERT_TRUE(device.api().post("/api/v1/session/close", op).ok());

  const api::SessionDetail detail = device.session(op, second);
  EXPECT_EQ(detail.session().course_reason(), request.course_reason());
  const ApiResponse course = device.api().get("/api/v1/patients/" + ref + "/course", op);
  ASSERT_TRUE(course.ok()) << course.describe();
  EXPECT_THAT(course.body, HasSubstr(request.course_reason()));
}

}  // namespace
}  // namespace rfneedle::testing
