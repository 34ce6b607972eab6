// Calibration against the real simulated firmware (SR-66): the fixture attached as the
// simulator's control socket attaches it, the loads switched and the reference meter read
// through the bridge, the correction sent by configure, the record kept by the safety
// thread's CalibrationBook in a store, and restored at the next start-up for the same
// generator only. Verdicts come from the simulator's ground truth and its meter.
#include <gtest/gtest.h>

#include <memory>

#include "controller/daemon/calibration_book.h"
#include "controller/daemon/memory_store.h"
#include "simulator/process/control_requests.h"
#include "tests/unit/device/device_scenarios.h"

namespace rfneedle::testing {
namespace {

using daemon::CalibrationBook;
using daemon::StoredCalibration;
using daemon::WallMs;

// 2026-05-27: within the simulated fixture's meter certificate (through 2029-12-31).
constexpr std::int32_t kToday = 20'600;
constexpr std::int32_t kFixtureMeterDue = 21'914;  // 2029-12-31

// What rfneedled's safety thread does at a generator's handshake (SafetyLoop::on_identity).
class Shell final : public bridge::BoardRecords {
 public:
  void on_identity(core::Board board, const device::HandshakeReply& reply) override {
    if (board == core::Board::kGenerator && device != nullptr) {
      book.on_generator(reply.serial_number(), device->core(), device->now());
    }
  }
  void on_pulse_ended(const device::PulseLogEntry&) override {}
  void on_pulse_log(const device::PulseLogReply&) override {}
  void on_counters(core::Board, const device::CountersReply&) override {}

  CalibrationBook book;
  WholeDevice* device = nullptr;
};

// The device with its shell, started from what `store` holds (CoreGateway's start-up).
struct Bench {
  explicit Bench(daemon::Store& s, WholeDeviceOptions options = {}) : store(s) {
    std::vector<daemon::CalibrationInForce> in_force;
    for (const StoredCalibration& c : store.calibrations_in_force()) {
      in_force.push_back({daemon::BoardSerial(c.generator_serial), c.record});
    }
    shell.book.restore(in_force);
    options.board_records = &shell;
    device = std::make_unique<WholeDevice>(options);
    shell.device = device.get();
  }

  // `cartridge fixture` on the simulator's control socket; true once the core read it.
  bool attach_fixture() {
    sim::ControlRequests requests(device->device);
    const auto command = sim::parse_sim_command("cartridge fixture");
    EXPECT_EQ(requests.execute(std::get<sim::SimCommand>(command), device->now()),
              R"({"ok":true})");
    return device->run_until([&] {
      const auto& c = device->core().status().cartridge;
      return c && c->kind == core::CartridgeKind::kCalibrationFixture;
    });
  }

  bool in_service() {
    return device->power_on() && attach_fixture() && device->core().enter_service(device->now()).ok();
  }

  // One reference-load run at 10 W for 100 ms (1 J); its result.
  std::optional<core::CalibrationResult> run_load(std::uint32_t load) {
    const core::CalibrationProgress& p = device->core().status().calibration_progress;
    const int runs = p.passed + p.failed;
    const core::Response r = device->core().calibrate(
        core::CalibrationRequest{load, watts(10), milliseconds(100), kToday}, device->now());
    EXPECT_TRUE(r.ok()) << r.reason;
    device->send_commands();
    const bool done = device->run_until([&] {
      const core::CalibrationProgress& q = device->core().status().calibration_progress;
      return !q.running && q.passed + q.failed == runs + 1;
    });
    EXPECT_TRUE(done);
    return device->core().status().calibration_progress.last;
  }

  // POST /service/calibration/complete as rfneedled records it: the core, the book, the
  // store (CoreGateway), and the store's ID back to the book.
  core::Response complete() {
    std::optional<daemon::CalibrationOutcome> outcome;
    const core::Response r = shell.book.complete(device->core(), kToday, device->now(), outcome);
    device->send_commands();
    if (outcome) {
      StoredCalibration stored = daemon::to_stored(*outcome, WallMs{1'780'000'000'000});
      EXPECT_TRUE(store.save_calibration(stored));
      if (stored.passed) {
        shell.book.stored(stored.id, stored.record, device->core(), device->now());
      }
    }
    device->run(milliseconds(20));
    return r;
  }

  [[nodiscard]] bool event_said(std::string_view text) const {
    return std::any_of(device->events.begin(), device->events.end(),
                       [&](const core::CoreEvent& e) { return e.text == text; });
  }

  daemon::Store& store;
  Shell shell;
  std::unique_ptr<WholeDevice> device;
};

// Verifies: SR-66
TEST(CalibrationRealBoards, AFullCalibrationPassesAndStoresTheSimulatorsTrueGain) {
  daemon::MemoryStore store;
  Bench bench(store);
  ASSERT_TRUE(bench.in_service());
  WholeDevice& d = *bench.device;
  const std::size_t from = d.truth.size();
  for (std::uint32_t load = 0; load < 4; ++load) {
    const auto result = bench.run_load(load);
    ASSERT_TRUE(result.has_value());
    EXPECT_TRUE(result->passed) << load << ": " << result->reason;
    // The reference meter reads the truth 0.5 % high (calibration_fixture.h); the
    // generator's own detectors are unbiased.
    EXPECT_NEAR(result->correction_ppm, 1'005'000, 6'000) << load;
    EXPECT_NEAR(static_cast<double>(result->reference_energy.value()), 1'005'000.0, 30'000.0);
  }
  EXPECT_EQ(pulses_delivered(d), 4);
  EXPECT_FALSE(retracted_while_rf_on(d, from));

  ASSERT_TRUE(bench.complete().ok());
  const auto& record = d.core().status().calibration;
  ASSERT_TRUE(record.has_value());
  EXPECT_NEAR(record->power_correction_ppm, 1'005'000, 3'000);
  EXPECT_EQ(record->calibrated_day, kToday);
  EXPECT_EQ(record->due_day, kToday + 182);
  EXPECT_EQ(record->fixture_serial.view(), "9001");
  EXPECT_EQ(record->fixture_meter_due_day, kFixtureMeterDue);
  const std::vector<StoredCalibration> in_force = store.calibrations_in_force();
  ASSERT_EQ(in_force.size(), 1u);
  EXPECT_EQ(in_force[0].generator_serial, "SIM-GEN-0001");
  EXPECT_TRUE(in_force[0].passed);
  EXPECT_EQ(in_force[0].runs_passed, 4);
  EXPECT_EQ(in_force[0].record.power_correction_ppm, record->power_correction_ppm);
  EXPECT_EQ(record->record_id, in_force[0].id);

  // The generator took the correction through configure: its readings now agree with
  // the reference meter.
  const auto check = bench.run_load(2);
  ASSERT_TRUE(check.has_value());
  EXPECT_TRUE(check->passed);
  EXPECT_NEAR(check->correction_ppm, 1'000'000, 3'000);
  EXPECT_FALSE(d.device.ground_truth().rf_on);
}

// Verifies: SR-66
TEST(CalibrationRealBoards, AReferenceMeterOffByMoreThanTenPercentFailsAndChangesNothing) {
  daemon::MemoryStore store;
  WholeDeviceOptions options;
  options.device.reference_meter_gain_error = 0.15;  // the meter reads 15 % high
  Bench bench(store, options);
  ASSERT_TRUE(bench.in_service());
  WholeDevice& d = *bench.device;
  const auto result = bench.run_load(1);
  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(result->passed);
  EXPECT_EQ(result->reason, "off the reference meter by more than the tolerance");
  EXPECT_NEAR(static_cast<double>(result->reference_energy.value()), 1'150'000.0, 30'000.0);
  ASSERT_TRUE(d.run_until([&] { return d.device.ground_truth().needle_position.value() <= 0; }));
  EXPECT_FALSE(d.device.ground_truth().rf_on);

  const core::Response r = bench.complete();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.reason, "a calibration run failed or none ran: nothing changed");
  EXPECT_FALSE(d.core().status().calibration.has_value());
  EXPECT_TRUE(store.calibrations_in_force().empty());
  const std::vector<StoredCalibration> history = store.calibrations(10);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_FALSE(history[0].passed);
  EXPECT_EQ(history[0].runs_failed, 1);
  EXPECT_EQ(history[0].record.power_correction_ppm, 0);
  EXPECT_EQ(history[0].record.fixture_serial.view(), "9001");
}

// Verifies: SR-66
TEST(CalibrationRealBoards, AFixtureWhoseReferenceMeterIsOverdueIsRefused) {
  daemon::MemoryStore store;
  Bench bench(store);
  ASSERT_TRUE(bench.in_service());
  WholeDevice& d = *bench.device;
  const core::Response r = d.core().calibrate(
      core::CalibrationRequest{0, watts(10), milliseconds(100), kFixtureMeterDue + 1}, d.now());
  EXPECT_EQ(r.field, "fixture");
  EXPECT_EQ(r.reason, "the fixture's reference meter is past its calibration due date");
  d.run(milliseconds(300));
  EXPECT_EQ(pulses_delivered(d), 0);
  EXPECT_EQ(d.core().status().calibration_progress.passed, 0);
}

// Verifies: SR-66
TEST(CalibrationRealBoards, TheStoredCalibrationIsInForceAtStartUpForItsGeneratorOnly) {
  daemon::MemoryStore store;
  StoredCalibration stored;
  stored.at = WallMs{1'780'000'000'000};
  stored.generator_serial = "SIM-GEN-0001";
  stored.passed = true;
  stored.runs_passed = 4;
  stored.record.power_correction_ppm = 1'004'200;
  stored.record.calibrated_day = kToday - 10;
  stored.record.due_day = kToday + 172;
  stored.record.fixture_serial = core::CartridgeSerial("9001");
  stored.record.fixture_meter_due_day = kFixtureMeterDue;
  ASSERT_TRUE(store.save_calibration(stored));

  {
    Bench same(store);
    ASSERT_TRUE(same.device->power_on());
    const auto& record = same.device->core().status().calibration;
    ASSERT_TRUE(record.has_value());
    EXPECT_EQ(record->power_correction_ppm, 1'004'200);
    EXPECT_EQ(record->record_id, stored.id);
    EXPECT_TRUE(same.event_said("the generator's stored calibration is in force"));
    // The generator applies it: a run now finds it reading as the meter does.
    ASSERT_TRUE(same.attach_fixture());
    ASSERT_TRUE(same.device->core().enter_service(same.device->now()).ok());
    const auto check = same.run_load(0);
    ASSERT_TRUE(check.has_value());
    EXPECT_NEAR(check->correction_ppm, 1'000'800, 3'000);
  }

  WholeDeviceOptions another;
  another.device.generator_serial = "SIM-GEN-0002";
  Bench changed(store, another);
  ASSERT_TRUE(changed.device->power_on());
  EXPECT_FALSE(changed.device->core().status().calibration.has_value());
  EXPECT_TRUE(changed.event_said(
      "no calibration in force for this generator (none stored for its serial)"));
}

}  // namespace
}  // namespace rfneedle::testing
