// The calibration routes (SR-66) over the API server, against the fake gateway and store:
// the service role only (SR-73), bad input refused naming the field before the core, the
// core's refusals as 409 with its reason, and the record in force with the history.
#include <gmock/gmock.h>

#include "tests/unit/daemon/api_server_fixture.h"

namespace rfneedle::daemon {
namespace {

namespace http = boost::beast::http;
using testing::ApiServerTest;
using testing::Reply;

constexpr std::string_view kRun = "/api/v1/service/calibration/run";
constexpr std::string_view kComplete = "/api/v1/service/calibration/complete";
constexpr std::string_view kReport = "/api/v1/service/calibration";
constexpr std::string_view kGoodRun = R"({"load_index": 2, "power_mw": 10000, "duration_ms": 100})";
constexpr std::int32_t kToday = 20'454;  // the fixture's wall clock: 2026-01-01

class CalibrationApiTest : public ApiServerTest {
 protected:
  Reply get(std::string_view target, const std::string& token) {
    return send(http::verb::get, std::string(target), "", "", token);
  }
};

// Verifies: SR-73
TEST_F(CalibrationApiTest, OnlyTheServiceRoleCalibrates) {
  EXPECT_EQ(post(std::string(kRun), std::string(kGoodRun)).status, 401u);
  const std::string op = operator_token();
  EXPECT_EQ(post(std::string(kRun), std::string(kGoodRun), op).status, 403u);
  EXPECT_EQ(post(std::string(kComplete), "{}", op).status, 403u);
  EXPECT_EQ(get(kReport, op).status, 403u);
  EXPECT_EQ(post(std::string(kRun), std::string(kGoodRun), op).error().field(), "Authorization");
  EXPECT_EQ(gateway_.request_count.load(), 0);
  const std::string svc = service_token();
  EXPECT_EQ(post(std::string(kRun), std::string(kGoodRun), svc).status, 200u);
  EXPECT_EQ(post(std::string(kComplete), "{}", svc).status, 200u);
  EXPECT_EQ(get(kReport, svc).status, 200u);
  EXPECT_EQ(gateway_.request_count.load(), 2);
}

// Verifies: SR-66, SR-75
TEST_F(CalibrationApiTest, BadInputIs400NamingTheFieldAndNeverReachesTheCore) {
  const std::string svc = service_token();
  struct Row {
    const char* kind;
    std::string body;
    std::string field;
  };
  const std::vector<Row> rows = {
      {"no such load", R"({"load_index": 8, "power_mw": 10000, "duration_ms": 100})", "load_index"},
      {"power below the envelope", R"({"load_index": 0, "power_mw": 999, "duration_ms": 100})",
       "power_mw"},
      {"power above the envelope", R"({"load_index": 0, "power_mw": 50001, "duration_ms": 10})",
       "power_mw"},
      {"duration outside the envelope", R"({"load_index": 0, "power_mw": 10000, "duration_ms": 5})",
       "duration_ms"},
      {"over 2 J", R"({"load_index": 0, "power_mw": 30000, "duration_ms": 100})", "power_mw"},
      {"the fixture is never sent", R"({"load_index": 0, "fixture": "FX-1"})", "fixture"},
      {"wrong type", R"({"load_index": "first"})", "load_index"},
      {"negative load", R"({"load_index": -1})", "load_index"},
  };
  for (const Row& row : rows) {
    const Reply r = post(std::string(kRun), row.body, svc);
    EXPECT_EQ(r.status, 400u) << row.kind << ": " << r.body;
    EXPECT_EQ(r.error().field(), row.field) << row.kind;
    EXPECT_FALSE(r.error().rule().empty()) << row.kind;
  }
  const Reply energy =
      post(std::string(kRun), R"({"load_index": 0, "power_mw": 20001, "duration_ms": 100})", svc);
  EXPECT_EQ(energy.error().rule(),
            "power_mw x duration_ms at most 2000 mJ per calibration pulse (SR-66)");
  const Reply limit = get(std::string(kReport) + "?limit=0", svc);
  EXPECT_EQ(limit.status, 400u);
  EXPECT_EQ(limit.error().field(), "limit");
  EXPECT_EQ(gateway_.request_count.load(), 0);
}

// Verifies: SR-66
TEST_F(CalibrationApiTest, ARunReachesTheCoreWithTodayAndNoFixtureFromTheRequest) {
  const std::string svc = service_token();
  const Reply r = post(std::string(kRun), std::string(kGoodRun), svc);
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_TRUE(std::holds_alternative<Calibrate>(gateway_.requests.back()));
  const core::CalibrationRequest& request = std::get<Calibrate>(gateway_.requests.back()).request;
  EXPECT_EQ(request.load_index, 2u);
  EXPECT_EQ(request.power, watts(10));
  EXPECT_EQ(request.duration, milliseconds(100));
  EXPECT_EQ(request.today, kToday);
  EXPECT_EQ(store_.audit_log.back().route, kRun);
  for (const char* field : {R"("load_index":2)", R"("power_mw":10000)", R"("duration_ms":100)"}) {
    EXPECT_THAT(store_.audit_log.back().parameters, ::testing::HasSubstr(field));
  }
  ASSERT_EQ(post(std::string(kComplete), "{}", svc).status, 200u);
  ASSERT_TRUE(std::holds_alternative<CompleteCalibration>(gateway_.requests.back()));
  EXPECT_EQ(std::get<CompleteCalibration>(gateway_.requests.back()).today, kToday);
  EXPECT_EQ(store_.audit_log.back().route, kComplete);
}

// Verifies: SR-66
TEST_F(CalibrationApiTest, TheCoresRefusalsAre409WithItsReason) {
  const std::string svc = service_token();
  gateway_.next_reply = {core::ResponseCode::kExecutionError, "",
                         "calibration runs only in Service"};
  Reply r = post(std::string(kRun), std::string(kGoodRun), svc);
  EXPECT_EQ(r.status, 409u);
  EXPECT_EQ(r.error().error(), "calibration runs only in Service");
  gateway_.next_reply = {core::ResponseCode::kValidationError, "fixture",
                         "no calibration fixture attached"};
  r = post(std::string(kRun), std::string(kGoodRun), svc);
  EXPECT_EQ(r.status, 409u);
  EXPECT_EQ(r.error().field(), "fixture");
  EXPECT_EQ(r.error().error(), "no calibration fixture attached");
  EXPECT_EQ(r.error().rule(), "refused by the core: validation");
  gateway_.next_reply = {core::ResponseCode::kExecutionError, "",
                         "a calibration run failed or none ran: nothing changed"};
  r = post(std::string(kComplete), "{}", svc);
  EXPECT_EQ(r.status, 409u);
  EXPECT_EQ(r.error().error(), "a calibration run failed or none ran: nothing changed");
  EXPECT_EQ(store_.audit_log.back().result,
            "409 a calibration run failed or none ran: nothing changed");
}

// Verifies: SR-66
TEST_F(CalibrationApiTest, TheReportHasTheRecordInForceTheRunsAndTheHistoryNewestFirst) {
  const std::string svc = service_token();
  on_io([this] {
    core::CalibrationRecord& in_force = gateway_.status_.calibration.emplace();
    in_force.power_correction_ppm = 1'005'000;
    in_force.calibrated_day = kToday;
    in_force.due_day = kToday + 182;
    in_force.fixture_serial = core::CartridgeSerial("9001");
    in_force.fixture_meter_due_day = kToday + 90;
    in_force.record_id = 1;
    core::CalibrationProgress& p = gateway_.status_.calibration_progress;
    p.passed = 1;
    p.failed = 1;
    core::CalibrationResult last;
    last.load_index = 3;
    last.reason = "off the reference meter by more than the tolerance";
    last.generator_energy = Microjoules{1'000'000};
    last.reference_energy = Microjoules{1'150'000};
    p.last = last;
    StoredCalibration passed;
    passed.generator_serial = "SIM-GEN-0001";
    passed.passed = true;
    passed.runs_passed = 4;
    passed.record = in_force;
    ASSERT_TRUE(store_.save_calibration(passed));
    StoredCalibration failed;
    failed.generator_serial = "SIM-GEN-0001";
    failed.reason = "a calibration run failed or none ran: nothing changed";
    failed.runs_failed = 1;
    failed.record.power_correction_ppm = 0;
    failed.record.calibrated_day = kToday + 1;
    ASSERT_TRUE(store_.save_calibration(failed));
  });
  const Reply r = get(kReport, svc);
  ASSERT_EQ(r.status, 200u) << r.body;
  api::CalibrationReport report;
  ASSERT_FALSE(parse_json(r.body, report)) << r.body;
  EXPECT_EQ(report.in_force().power_correction_ppm(), 1'005'000);
  EXPECT_EQ(report.in_force().calibrated_on(), "2026-01-01");
  EXPECT_EQ(report.in_force().due_on(), "2026-07-02");
  EXPECT_EQ(report.in_force().fixture_serial(), "9001");
  EXPECT_EQ(report.in_force().fixture_meter_due_on(), "2026-04-01");
  EXPECT_EQ(report.in_force().record_id(), 1u);
  EXPECT_EQ(report.progress().passed(), 1);
  EXPECT_EQ(report.progress().failed(), 1);
  EXPECT_EQ(report.progress().last().load_index(), 3u);
  EXPECT_EQ(report.progress().last().reference_energy_uj(), 1'150'000);
  EXPECT_FALSE(report.progress().last().passed());
  ASSERT_EQ(report.history_size(), 2);
  EXPECT_FALSE(report.history(0).passed());
  EXPECT_EQ(report.history(0).calibration().due_on(), "");
  EXPECT_EQ(report.history(0).reason(), "a calibration run failed or none ran: nothing changed");
  EXPECT_TRUE(report.history(1).passed());
  EXPECT_EQ(report.history(1).generator_serial(), "SIM-GEN-0001");
  EXPECT_EQ(report.history(1).runs_passed(), 4);
  const Reply one = get(std::string(kReport) + "?limit=1", svc);
  ASSERT_FALSE(parse_json(one.body, report));
  EXPECT_EQ(report.history_size(), 1);

  // The status carries the runs too, for the touchscreen and rfneedle-diag.
  api::Status status;
  ASSERT_FALSE(parse_json(get("/api/v1/status", svc).body, status));
  EXPECT_EQ(status.calibration_progress().failed(), 1);
  EXPECT_EQ(status.calibration().fixture_serial(), "9001");
}

}  // namespace
}  // namespace rfneedle::daemon
