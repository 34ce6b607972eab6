// The API server over real sockets on a free loopback port, against a fake gateway and
// store: the bad-input table, roles, the idle lock, throttling on the injected clock,
// STOP, and the display's stream connection.
#include "controller/daemon/api_server.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "controller/daemon/api_json.h"
#include "tests/unit/daemon/api_server_fixture.h"

namespace rfneedle::daemon {
namespace {

namespace http = testing::http;
namespace net = testing::net;
using testing::ApiServerTest;
using testing::FakeGateway;
using testing::FakeStore;
using testing::kPin;
using testing::Reply;
using testing::StreamClient;

struct BadInputRow {
  const char* kind;
  http::verb method;
  std::string target;
  std::string body;
  std::string content_type;
  unsigned status;
  std::string field;
};

// Verifies: SR-75
TEST_F(ApiServerTest, BadInputGetsA4xxNamingTheFieldAndNeverReachesTheCore) {
  const std::string token = operator_token();
  const std::string checklist_no =
      R"("checklist": {"active_infection_cold_sores_or_warts": "NO", "active_acne": "NO"})";
  const std::vector<BadInputRow> rows = {
      {"malformed JSON", http::verb::put, "/api/v1/parameters", R"({"depth_um": )",
       "application/json", 400, ""},
      {"wrong type", http::verb::put, "/api/v1/parameters", R"({"power_mw": "high"})",
       "application/json", 400, "power_mw"},
      {"unknown field", http::verb::put, "/api/v1/parameters", R"({"energy_uj": 5})",
       "application/json", 400, "energy_uj"},
      {"out of range", http::verb::put, "/api/v1/parameters",
       R"({"depth_um": 1500, "power_mw": 90000, "duration_ms": 100})", "application/json", 400,
       "power_mw"},
      {"integer overflow", http::verb::put, "/api/v1/parameters", R"({"duration_ms": 1e15})",
       "application/json", 400, "duration_ms"},
      {"body over 64 KiB", http::verb::put, "/api/v1/parameters",
       R"({"x": ")" + std::string(70'000, 'a') + R"("})", "application/json", 413, ""},
      {"unknown route", http::verb::get, "/api/v1/nothing", "", "", 404, ""},
      {"wrong method", http::verb::get, "/api/v1/arm", "", "", 405, ""},
      {"no Content-Type", http::verb::post, "/api/v1/arm", "{}", "", 415, "Content-Type"},
      {"form post", http::verb::post, "/api/v1/arm", "a=b", "application/x-www-form-urlencoded",
       415, "Content-Type"},
      {"unanswered checklist item", http::verb::post, "/api/v1/session",
       R"({"patient_ref": "P1", "area": "BODY_AREA_CHEEK", )" + checklist_no + "}",
       "application/json", 400, "checklist.keloids"},
      {"unspecified enum", http::verb::post, "/api/v1/session/area",
       R"({"area": "BODY_AREA_UNSPECIFIED"})", "application/json", 400, "area"},
      {"unknown enum value", http::verb::post, "/api/v1/session/area", R"({"area": "ELBOW"})",
       "application/json", 400, "area"},
      {"bad query parameter", http::verb::get, "/api/v1/events?limit=0", "", "", 400, "limit"},
      {"session ID not a number", http::verb::post, "/api/v1/session/first/resume", "{}",
       "application/json", 400, "id"},
      {"unknown session to resume", http::verb::post, "/api/v1/session/404/resume", "{}",
       "application/json", 404, "id"},
  };
  for (const BadInputRow& row : rows) {
    const Reply r = send(row.method, row.target, row.body, row.content_type, token);
    EXPECT_EQ(r.status, row.status) << row.kind << ": " << r.body;
    EXPECT_EQ(r.error().field(), row.field) << row.kind;
    EXPECT_FALSE(r.error().error().empty()) << row.kind;
    EXPECT_FALSE(r.error().rule().empty()) << row.kind;
  }
  EXPECT_EQ(gateway_.request_count.load(), 0);
}

// Verifies: SR-73
TEST_F(ApiServerTest, RequestsWithoutATokenGet401AndTheWrongRoleGets403) {
  EXPECT_EQ(post("/api/v1/arm").status, 401u);
  EXPECT_EQ(post("/api/v1/arm").error().field(), "Authorization");
  EXPECT_EQ(post("/api/v1/arm", "{}", std::string(64, 'a')).status, 401u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/status").status, 401u);
  const std::string op = operator_token();
  const std::string svc = service_token();
  EXPECT_EQ(post("/api/v1/faults/reset", R"({"reason": "x"})", op).status, 403u);
  EXPECT_EQ(post("/api/v1/service/enter", "{}", op).status, 403u);
  EXPECT_EQ(post("/api/v1/arm", "{}", svc).status, 403u);
  EXPECT_EQ(gateway_.request_count.load(), 0);
  EXPECT_EQ(post("/api/v1/arm", "{}", op).status, 200u);
  EXPECT_EQ(post("/api/v1/faults/reset", R"({"reason": "relay replaced"})", svc).status, 200u);
  EXPECT_EQ(gateway_.request_count.load(), 2);
  ASSERT_TRUE(std::holds_alternative<ServiceReset>(gateway_.requests.back()));
  EXPECT_EQ(std::get<ServiceReset>(gateway_.requests.back()).reason, "relay replaced");
}

// Verifies: SR-87
TEST_F(ApiServerTest, OnlyTheServiceRoleConfirmsTheClockWithAReasonAndItIsAudited) {
  const std::string op = operator_token();
  const std::string svc = service_token();
  on_io([&] { gateway_.clock_held = true; });
  EXPECT_EQ(post("/api/v1/service/clock/confirm", R"({"reason": "x"})", op).status, 403u);
  EXPECT_EQ(post("/api/v1/service/clock/confirm", R"({"reason": ""})", svc).error().field(),
            "reason");
  on_io([&] { EXPECT_TRUE(gateway_.clock_held); });
  const Reply confirmed =
      post("/api/v1/service/clock/confirm", R"({"reason": "set from the time server"})", svc);
  EXPECT_EQ(confirmed.status, 200u);
  EXPECT_NE(confirmed.body.find("wall_time"), std::string::npos);
  on_io([&] {
    EXPECT_FALSE(gateway_.clock_held);
    EXPECT_EQ(store_.audit_log.back().route, "/api/v1/service/clock/confirm");
    EXPECT_NE(store_.audit_log.back().parameters.find("set from the time server"),
              std::string::npos);
  });
  EXPECT_EQ(post("/api/v1/service/clock/confirm", R"({"reason": "again"})", svc).status, 409u);
}

// Verifies: SR-86
TEST_F(ApiServerTest, TheStatusCarriesWhatHoldsTheDeviceBecauseOfItsStore) {
  on_io([&] { gateway_.problem = "store /data/rfneedle.db: quick_check failed"; });
  const Reply status =
      send(http::verb::get, "/api/v1/status", "", "application/json", operator_token());
  EXPECT_EQ(status.status, 200u);
  EXPECT_NE(status.body.find("quick_check failed"), std::string::npos) << status.body;
}

// Verifies: SR-73
TEST_F(ApiServerTest, WrongPinGets401AndLogoutEndsTheToken) {
  const Reply wrong =
      post("/api/v1/login", R"({"role":"ROLE_OPERATOR","user":"alice","secret":"1"})");
  EXPECT_EQ(wrong.status, 401u);
  EXPECT_EQ(wrong.body.find("482913"), std::string::npos);
  const std::string op = operator_token();
  EXPECT_EQ(send(http::verb::get, "/api/v1/status", "", "", op).status, 200u);
  EXPECT_EQ(post("/api/v1/logout", "{}", op).status, 200u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/status", "", "", op).status, 401u);
}

TEST_F(ApiServerTest, ATokenExpiresOnTheInjectedClock) {
  const std::string svc = service_token();
  EXPECT_EQ(send(http::verb::get, "/api/v1/service/counters", "", "", svc).status, 200u);
  advance(seconds(3600));
  EXPECT_EQ(send(http::verb::get, "/api/v1/service/counters", "", "", svc).status, 401u);
}

// Verifies: SR-74
TEST_F(ApiServerTest, FiveFailedLogInsAreThrottledFor30sThenDoubling) {
  const std::string wrong = R"({"role":"ROLE_OPERATOR","user":"alice","secret":"000000"})";
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(post("/api/v1/login", wrong).status, 401u) << i;
  }
  Reply r = post("/api/v1/login", wrong);
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.error().retry_after_s(), 30u);
  EXPECT_EQ(r.retry_after, "30");
  // Refused even with the right PIN while throttled; other users are not affected.
  EXPECT_EQ(
      post("/api/v1/login", R"({"role":"ROLE_OPERATOR","user":"alice","secret":"482913"})").status,
      429u);
  EXPECT_EQ(post("/api/v1/login", R"({"role":"ROLE_SERVICE","secret":"service-key-0001"})").status,
            200u);
  advance(seconds(30));
  EXPECT_EQ(post("/api/v1/login", wrong).status, 401u);
  EXPECT_EQ(post("/api/v1/login", wrong).error().retry_after_s(), 60u);
  advance(seconds(60));
  (void)operator_token();  // success resets
  EXPECT_EQ(post("/api/v1/login", wrong).status, 401u);
}

// Verifies: SR-76
TEST_F(ApiServerTest, StopNeedsNoTokenNoContentTypeAndIsNeverThrottled) {
  const std::string wrong = R"({"role":"ROLE_OPERATOR","user":"alice","secret":"000000"})";
  for (int i = 0; i < 6; ++i) {
    (void)post("/api/v1/login", wrong);
  }
  const Reply r = send(http::verb::post, "/api/v1/stop", "", "");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(gateway_.stops.load(), 1);
  EXPECT_EQ(post("/api/v1/stop", "{}", "not-a-token").status, 200u);
  EXPECT_EQ(gateway_.stops.load(), 2);
}

// Verifies: SR-76
// The service thread stuck (a commit stalled in the store, a burst of log-ins): STOP still
// reaches the core and is answered; only its audit waits for the service thread.
TEST_F(ApiServerTest, StopIsAnsweredWhileTheServiceThreadIsBusy) {
  std::promise<void> release;
  std::atomic<bool> busy{true};
  net::post(io_, [&busy, wait = release.get_future().share()] {
    (void)wait.wait_for(std::chrono::seconds(5));
    busy = false;
  });
  const Reply r = send(http::verb::post, "/api/v1/stop", "", "");
  EXPECT_TRUE(busy) << "STOP waited for the service thread";
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(gateway_.stops.load(), 1);
  release.set_value();
  // The network thread hands the audit to the service thread after the answer.
  const auto stops_audited = [this] {
    const std::vector<AuditEntry> log = audit_log();
    return std::count_if(log.begin(), log.end(),
                         [](const AuditEntry& e) { return e.route == "/api/v1/stop"; });
  };
  for (int i = 0; i < 500 && stops_audited() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(stops_audited(), 1);
}

// Verifies: SR-76
TEST_F(ApiServerTest, WhileTheIdleLockIsOnOperatorRequestsGet423UntilTheNextLogIn) {
  const std::string before = operator_token();
  on_io([this] { gateway_.status_.screen_locked = true; });
  const Reply locked = post("/api/v1/arm", "{}", before);
  EXPECT_EQ(locked.status, 423u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/status", "", "", before).status, 423u);
  EXPECT_EQ(post("/api/v1/stop", "{}").status, 200u);
  EXPECT_EQ(gateway_.request_count.load(), 0);
  advance(seconds(1));
  const std::string after = operator_token();
  // The PIN entered again ends the lock in the core as well (SR-64).
  ASSERT_EQ(gateway_.request_count.load(), 1);
  EXPECT_TRUE(std::holds_alternative<UnlockScreen>(gateway_.requests.back()));
  EXPECT_EQ(post("/api/v1/arm", "{}", after).status, 200u);
  EXPECT_EQ(post("/api/v1/arm", "{}", before).status, 423u);
  on_io([this] { gateway_.status_.screen_locked = false; });
  EXPECT_EQ(post("/api/v1/arm", "{}", before).status, 200u);
}

TEST_F(ApiServerTest, ACoreRefusalIs409WithTheCoreReason) {
  gateway_.next_reply = {core::ResponseCode::kExecutionError, "", "disarm before closing"};
  const Reply r = post("/api/v1/session/close", "{}", operator_token());
  EXPECT_EQ(r.status, 409u);
  EXPECT_EQ(r.error().error(), "disarm before closing");
}

// An open request for `ref` on `area` with every configured item answered NO but those in
// `yes`; `extra` adds fields ("" for none).
std::string open_body(const std::string& ref, const std::string& area,
                      const std::vector<std::string>& yes = {}, const std::string& extra = "") {
  std::string body = R"({"patient_ref": ")" + ref + R"(", "area": ")" + area + R"(", )";
  body += R"("checklist": {)";
  bool first = true;
  for (const core::ScreeningItem& item : core::default_screening_items()) {
    const bool y = std::find(yes.begin(), yes.end(), item.id) != yes.end();
    body += (first ? "\"" : ", \"") + item.id + R"(": ")" + (y ? "YES" : "NO") + "\"";
    first = false;
  }
  body += "}" + (extra.empty() ? "" : ", " + extra) + "}";
  return body;
}

TEST_F(ApiServerTest, SessionOpensWithTheOperatorFromTheToken) {
  const std::string body =
      open_body("P-7", "BODY_AREA_NECK", {"smoking_last_2_weeks", "diabetes"},
                R"("override_reason": "diabetes well controlled, physician consulted")");
  const Reply r = post("/api/v1/session", body, operator_token());
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto& open = std::get<OpenSession>(gateway_.requests.back());
  EXPECT_EQ(open.request.operator_id, "alice");
  EXPECT_EQ(open.request.patient_ref, "P-7");
  EXPECT_EQ(open.request.area, core::BodyArea::kNeck);
  EXPECT_EQ(open.request.today, 20454);
  // Both YES answers are recorded with the session, the advisory one included.
  EXPECT_EQ(open.screening_yes, (std::vector<std::string>{"diabetes", "smoking_last_2_weeks"}));
  EXPECT_EQ(open.course_reason, "");
}

// 2026-01-01, the fixture's wall clock, less `days`.
WallMs days_before_today(int days) { return WallMs{1'767'225'600'000} - WallMs{days} * 86'400'000; }

// Verifies: SR-88
TEST_F(ApiServerTest, AnAreaTreatedWithinTheCourseIntervalNeedsARecordedReason) {
  on_io([this] {
    SessionRecord earlier;
    earlier.id = 3;
    earlier.patient_ref = "P-7";
    earlier.area = core::BodyArea::kNeck;
    earlier.opened_at = days_before_today(27);  // one day short of the default 28
    earlier.outcome = "closed";
    store_.session_list.push_back(earlier);
  });
  const std::string op = operator_token();
  const std::size_t before = gateway_.requests.size();
  Reply r = post("/api/v1/session", open_body("P-7", "BODY_AREA_NECK"), op);
  EXPECT_EQ(r.status, 409u) << r.body;
  EXPECT_EQ(r.error().field(), "course_reason");
  EXPECT_NE(r.error().error().find("27 days ago"), std::string::npos) << r.body;
  EXPECT_EQ(gateway_.requests.size(), before);  // nothing reached the core
  // Another patient, or another area of this one: nothing to give a reason for.
  EXPECT_EQ(post("/api/v1/session", open_body("P-8", "BODY_AREA_NECK"), op).status, 200u);
  EXPECT_EQ(post("/api/v1/session", open_body("P-7", "BODY_AREA_CHEEK"), op).status, 200u);
  r = post("/api/v1/session", open_body("P-7", "BODY_AREA_NECK", {}, R"("course_reason": "")"), op);
  EXPECT_EQ(r.status, 409u);
  r = post("/api/v1/session",
           open_body("P-7", "BODY_AREA_NECK", {}, R"("course_reason": "patient travels abroad")"),
           op);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(std::get<OpenSession>(gateway_.requests.back()).course_reason,
            "patient travels abroad");
  // 28 days on, no reason is needed, and one given is refused as meaningless.
  on_io([this] { store_.session_list.back().opened_at = days_before_today(28); });
  EXPECT_EQ(post("/api/v1/session", open_body("P-7", "BODY_AREA_NECK"), op).status, 200u);
  r = post("/api/v1/session",
           open_body("P-7", "BODY_AREA_NECK", {}, R"("course_reason": "patient travels abroad")"),
           op);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error().field(), "course_reason");
}

TEST_F(ApiServerTest, ThePatientsCourseListsSessionsPerAreaForTheOperatorOnly) {
  on_io([this] {
    for (std::uint64_t id : {1u, 2u, 3u}) {
      SessionRecord s;
      s.id = id;
      s.patient_ref = id == 2 ? "P 9/x" : "P-7";
      s.area = id == 3 ? core::BodyArea::kScalp : core::BodyArea::kNeck;
      s.opened_at = days_before_today(id == 1 ? 40 : id == 2 ? 30 : 10);
      s.outcome = id == 3 ? "interrupted" : "closed";
      store_.session_list.push_back(s);
    }
  });
  const Reply r = get("/api/v1/patients/P-7/course", operator_token());
  ASSERT_EQ(r.status, 200u) << r.body;
  api::PatientCourse course;
  ASSERT_FALSE(parse_json(r.body, course)) << r.body;
  EXPECT_EQ(course.min_course_interval_days(), 28);
  ASSERT_EQ(course.areas_size(), 2);
  EXPECT_EQ(course.areas(0).area(), api::BODY_AREA_NECK);
  ASSERT_EQ(course.areas(0).sessions_size(), 1);
  EXPECT_EQ(course.areas(0).sessions(0).session_id(), 1u);
  EXPECT_EQ(course.areas(0).sessions(0).date(), "2025-11-22");  // 40 days before
  EXPECT_EQ(course.areas(0).sessions(0).outcome(), "closed");
  EXPECT_EQ(course.areas(0).next_from(), "2025-12-20");  // 4 to 6 weeks after
  EXPECT_EQ(course.areas(0).next_until(), "2026-01-03");
  EXPECT_EQ(course.areas(1).area(), api::BODY_AREA_SCALP);
  EXPECT_EQ(course.areas(1).sessions(0).outcome(), "interrupted");
  // A reference with reserved characters is percent-encoded in the path.
  const Reply other = get("/api/v1/patients/P%209%2Fx/course", operator_token());
  ASSERT_EQ(other.status, 200u) << other.body;
  ASSERT_FALSE(parse_json(other.body, course));
  EXPECT_EQ(course.patient_ref(), "P 9/x");
  EXPECT_EQ(course.areas_size(), 1);
  EXPECT_EQ(get("/api/v1/patients/P%2/course", operator_token()).status, 400u);
  EXPECT_EQ(get("/api/v1/patients/P-7/course", service_token()).status, 403u);
}

TEST_F(ApiServerTest, ASessionSummaryIsSessionKOfTheCourseWithTheNextWindow) {
  on_io([this] {
    for (std::uint64_t id : {1u, 2u}) {
      SessionRecord s;
      s.id = id;
      s.patient_ref = "P-7";
      s.area = core::BodyArea::kCheek;
      s.opened_at = days_before_today(id == 1 ? 35 : 0);
      s.outcome = "closed";
      store_.session_list.push_back(s);
    }
  });
  const Reply r = get("/api/v1/sessions/2", operator_token());
  ASSERT_EQ(r.status, 200u) << r.body;
  api::SessionDetail detail;
  ASSERT_FALSE(parse_json(r.body, detail)) << r.body;
  EXPECT_EQ(detail.session().course().session(), 2);
  EXPECT_EQ(detail.session().course().next_from(), "2026-01-29");
  EXPECT_EQ(detail.session().course().next_until(), "2026-02-12");
  EXPECT_EQ(detail.session().course().typical_sessions_min(), 3);
  EXPECT_EQ(detail.session().course().typical_sessions_max(), 7);
  const Reply list = get("/api/v1/sessions", operator_token());
  api::SessionList sessions;
  ASSERT_FALSE(parse_json(list.body, sessions)) << list.body;
  ASSERT_EQ(sessions.sessions_size(), 2);
  EXPECT_EQ(sessions.sessions(0).course().session(), 1);
}

// Verifies: SR-72
TEST_F(ApiServerTest, EveryMutatingRequestIsAuditedAndAFailedAuditIs503) {
  const std::string op = operator_token();
  (void)post("/api/v1/arm", "{}", op);
  ASSERT_GE(store_.audit_log.size(), 2u);
  EXPECT_EQ(store_.audit_log.back().route, "/api/v1/arm");
  EXPECT_EQ(store_.audit_log.back().user, "alice");
  for (const AuditEntry& entry : store_.audit_log) {
    EXPECT_EQ(entry.parameters.find(kPin), std::string::npos) << entry.route;
  }
  on_io([this] { store_.fail_audit = true; });
  EXPECT_EQ(post("/api/v1/disarm", "{}", op).status, 503u);
  EXPECT_EQ(post("/api/v1/stop", "{}").status, 200u);
}

// Verifies: SR-77
TEST_F(ApiServerTest, FaultInjectionIs409UnlessTheBoardsAreSimulated) {
  const std::string svc = service_token();
  const Reply r = post("/api/v1/service/sim/faults", R"({"command": "inject skin_hot"})", svc);
  EXPECT_EQ(r.status, 409u);
  on_io([this] { gateway_.simulated = true; });
  EXPECT_EQ(post("/api/v1/service/sim/faults", R"({"command": "inject skin_hot"})", svc).status,
            409u)
      << "no simulator control socket was given";
}

// Verifies: SR-77
TEST_F(ApiServerTest, OnlyFaultCommandsAreForwardedToTheSimulator) {
  const std::string svc = service_token();
  on_io([this] { gateway_.simulated = true; });
  for (const char* command : {"unplug generator", "trigger press", "injectx", "status"}) {
    const Reply r = post("/api/v1/service/sim/faults",
                         std::string(R"({"command": ")") + command + R"("})", svc);
    EXPECT_EQ(r.status, 400u) << command;
    EXPECT_NE(r.body.find("not a fault command"), std::string::npos) << r.body;
  }
}

TEST_F(ApiServerTest, EventsAndSessionsComeFromTheStore) {
  StoredEvent e;
  e.text = "session opened";
  on_io([&] {
    (void)store_.append_event(e);
    (void)store_.append_event(e);
    SessionRecord s;
    s.id = 7;
    s.patient_ref = "P-7";
    (void)store_.open_session(s);
  });
  const std::string op = operator_token();
  api::EventList events;
  ASSERT_FALSE(
      parse_json(send(http::verb::get, "/api/v1/events?after_id=1", "", "", op).body, events));
  ASSERT_EQ(events.events_size(), 1);
  EXPECT_EQ(events.events(0).id(), 2u);
  api::SessionDetail detail;
  ASSERT_FALSE(parse_json(send(http::verb::get, "/api/v1/sessions/7", "", "", op).body, detail));
  EXPECT_EQ(detail.session().patient_ref(), "P-7");
  EXPECT_EQ(send(http::verb::get, "/api/v1/sessions/8", "", "", op).status, 404u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/sessions/x", "", "", op).error().field(), "id");
}

TEST(ApiServerAddress, RefusesANonLoopbackListenAddress) {
  EXPECT_FALSE(check_listen_address("127.0.0.1"));
  EXPECT_FALSE(check_listen_address("::1"));
  EXPECT_TRUE(check_listen_address("0.0.0.0"));
  EXPECT_TRUE(check_listen_address("192.168.1.20"));
  EXPECT_TRUE(check_listen_address("localhost"));
  net::io_context io;
  FakeGateway gateway;
  FakeStore store;
  EXPECT_THROW(ApiServer(io, gateway, store, ApiOptions{}, "0.0.0.0", 0), std::invalid_argument);
}

// ---- the stream ----

// Verifies: SR-76
TEST_F(ApiServerTest, TheDisplayGetsStatusPresetsAndTheStreamWithoutAPin) {
  EXPECT_EQ(send(http::verb::get, "/api/v1/status", "", "", "", true).status, 200u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/presets", "", "", "", true).status, 200u);
  EXPECT_EQ(send(http::verb::post, "/api/v1/arm", "{}", "application/json", "", true).status, 401u);
  on_io([this] { gateway_.status_.snapshot_id = 41; });
  StreamClient display(port_);
  display.write(R"({"hello": {"display": true}})");
  auto welcome = display.read();
  ASSERT_TRUE(welcome && welcome->has_welcome());
  EXPECT_EQ(welcome->welcome().role(), api::ROLE_DISPLAY);
  EXPECT_GT(welcome->welcome().presets().areas_size(), 0);
  ASSERT_EQ(welcome->welcome().presets().operators_size(), 1);  // the service key is no user
  EXPECT_EQ(welcome->welcome().presets().operators(0), "alice");
  auto snapshot = display.read();
  ASSERT_TRUE(snapshot && snapshot->has_snapshot());
  EXPECT_EQ(snapshot->snapshot().snapshot_id(), 41u);
  display.write(R"({"heartbeat": {"snapshot_id": "41"}})");
  // Messages are handled in order: once the answer to a second hello is back, the
  // heartbeat has reached the gateway.
  display.write(R"({"hello": {"display": true}})");
  auto again = display.read();
  ASSERT_TRUE(again && again->has_error());
  EXPECT_EQ(again->error().field(), "hello");
  // Pushed: an event and a snapshot, as they happen.
  on_io([this] {
    StoredEvent e;
    e.id = 9;
    e.condition = core::Condition::kSkinHot;
    e.priority = core::AlarmPriority::kMedium;
    for (DeviceListener* l : gateway_.listeners) {
      l->on_event(e);
    }
  });
  auto event = display.read();
  ASSERT_TRUE(event && event->has_event());
  EXPECT_EQ(event->event().condition(), "skin_hot");
  EXPECT_EQ(event->event().priority(), api::ALARM_PRIORITY_MEDIUM);
  std::lock_guard lock(gateway_.mutex);
  ASSERT_FALSE(gateway_.requests.empty());
  EXPECT_EQ(std::get<DisplayHeartbeat>(gateway_.requests.back()).snapshot_id, 41u);
}

TEST_F(ApiServerTest, ASecondDisplayReplacesTheFirst) {
  StreamClient first(port_);
  first.write(R"({"hello": {"display": true}})");
  ASSERT_TRUE(first.read());
  ASSERT_TRUE(first.read());
  StreamClient second(port_);
  second.write(R"({"hello": {"display": true}})");
  ASSERT_TRUE(second.read());
  EXPECT_FALSE(first.read()) << "the first display is closed";
  EXPECT_EQ(first.close_reason(), "replaced by another display connection");
}

TEST_F(ApiServerTest, AStreamWithoutAHelloIsClosedAfter1s) {
  StreamClient silent(port_);
  EXPECT_FALSE(silent.read());
  EXPECT_EQ(silent.close_reason(), "no hello within 1 s");
}

TEST_F(ApiServerTest, AnOperatorStreamsWithATokenButSendsNoHeartbeat) {
  const std::string token = operator_token();
  StreamClient op(port_);
  op.write(R"({"hello": {"token": ")" + token + R"("}})");
  auto welcome = op.read();
  ASSERT_TRUE(welcome && welcome->has_welcome());
  EXPECT_EQ(welcome->welcome().role(), api::ROLE_OPERATOR);
  ASSERT_TRUE(op.read());  // snapshot
  op.write(R"({"heartbeat": {"snapshot_id": "1"}})");
  auto refused = op.read();
  ASSERT_TRUE(refused && refused->has_error());
  EXPECT_EQ(refused->error().field(), "heartbeat");
  EXPECT_EQ(gateway_.request_count.load(), 0);
}

}  // namespace
TEST_F(ApiServerTest, ASessionExportsAsCsvJsonOrAFhirBundleAndEveryExportIsAudited) {
  on_io([this] {
    SessionRecord s;
    s.id = 5;
    s.patient_ref = "P-2026-0042";
    s.operator_id = "alice";
    s.area = core::BodyArea::kCheek;
    s.cartridge_serial = "CART0001";
    s.generator_serial = "GEN-7";
    s.opened_at = days_before_today(0);
    s.closed_at = days_before_today(0) + 600'000;
    s.outcome = "closed";
    store_.session_list.push_back(s);
    StoredPulse p;
    p.record.pulse_id = 9;
    p.record.session_id = 5;
    p.record.outcome = core::PulseOutcome::kCompleted;
    p.record.delivered_energy = Microjoules{1'000'000};
    p.record.impedance_min = Ohms{180};
    p.record.impedance_mean = Ohms{200};
    p.record.impedance_max = Ohms{230};
    p.area = core::BodyArea::kCheek;
    p.operator_id = "alice";
    store_.pulse_writes.push_back(p);
  });
  const std::string op = operator_token();
  const std::size_t audited = audit_log().size();
  Reply r = get("/api/v1/sessions/5/export?format=fhir", op);
  ASSERT_EQ(r.status, 200u) << r.body;
  google::protobuf::Struct bundle;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &bundle).ok()) << r.body;
  EXPECT_EQ(bundle.fields().at("resourceType").string_value(), "Bundle");
  std::vector<std::string> types;
  for (const auto& e : bundle.fields().at("entry").list_value().values()) {
    types.push_back(e.struct_value()
                        .fields()
                        .at("resource")
                        .struct_value()
                        .fields()
                        .at("resourceType")
                        .string_value());
  }
  EXPECT_EQ(types, (std::vector<std::string>{"Procedure", "Device", "Device", "Observation",
                                             "Observation"}));
  EXPECT_NE(r.body.find("P-2026-0042"), std::string::npos);
  EXPECT_NE(r.body.find("After-care: "), std::string::npos);
  EXPECT_NE(r.body.find(R"("value":1)"), std::string::npos) << r.body;  // 1 J delivered
  r = get("/api/v1/sessions/5/export?format=csv", op);
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.body.rfind("session_id,patient_ref,", 0), 0u);
  EXPECT_NE(r.body.find("\r\n5,P-2026-0042,alice,9,"), std::string::npos) << r.body;
  r = get("/api/v1/sessions/5/export?format=json", op);
  ASSERT_EQ(r.status, 200u);
  EXPECT_NE(r.body.find("P-2026-0042"), std::string::npos);
  // The service role gets the record without the patient reference.
  const std::string service = service_token();
  for (const char* format : {"csv", "json", "fhir"}) {
    r = get(std::string("/api/v1/sessions/5/export?format=") + format, service);
    ASSERT_EQ(r.status, 200u) << format;
    EXPECT_EQ(r.body.find("P-2026-0042"), std::string::npos) << format << ": " << r.body;
  }
  EXPECT_EQ(get("/api/v1/sessions/5/export?format=xml", op).error().field(), "format");
  EXPECT_EQ(get("/api/v1/sessions/77/export?format=csv", op).status, 404u);
  const std::vector<AuditEntry> log = audit_log();
  ASSERT_EQ(log.size(), audited + 8 + 1);  // the service log-in too
  EXPECT_EQ(log.back().route, "/api/v1/sessions/77/export");
  EXPECT_EQ(log.back().parameters, "format=csv");
  EXPECT_EQ(log.back().result.rfind("404", 0), 0u);
  // Unrecorded, an export is not answered.
  on_io([this] { store_.fail_audit = true; });
  EXPECT_EQ(get("/api/v1/sessions/5/export?format=csv", op).status, 503u);
}

}  // namespace rfneedle::daemon

namespace rfneedle::daemon::testing {
namespace {

// GET /metrics (issue 14, docs/api.md "Metrics"): no token on the API's address (Host and
// method still checked), and --metrics-listen's socket serves it and nothing else: no
// route, no STOP.
TEST_F(ApiServerTest, MetricsNeedNoTokenAndTheMetricsOnlySocketServesNothingElse) {
  std::uint16_t metrics_port = 0;
  on_io([&] {
    server_->stop();
    ApiOptions o = options();
    o.metrics = [] { return std::string("rfneedle_up 1\n"); };
    server_ =
        std::make_unique<ApiServer>(io_, gateway_, store_, std::move(o), "127.0.0.1", 0, limits_);
    server_->listen_metrics("127.0.0.1", 0);
    server_->start();
    port_ = server_->port();
    metrics_port = server_->metrics_port();
  });
  ASSERT_NE(metrics_port, 0);
  const Reply on_api = get("/metrics", "");
  EXPECT_EQ(on_api.status, 200u) << on_api.body;
  EXPECT_EQ(on_api.body, "rfneedle_up 1\n");
  EXPECT_EQ(send(http::verb::post, "/metrics").status, 405u);
  EXPECT_EQ(send(Call{http::verb::get, "/metrics", "", "", "", false,
                      std::string("evil.example:80"), std::nullopt})
                .status,
            421u);

  const std::uint16_t api_port = port_;
  port_ = metrics_port;  // send() and its Host now go to the metrics-only socket
  const Reply scraped = get("/metrics", "");
  EXPECT_EQ(scraped.status, 200u);
  EXPECT_EQ(scraped.body, "rfneedle_up 1\n");
  EXPECT_EQ(send(Call{http::verb::get, "/metrics", "", "", "", false,
                      std::string("device.clinic.example:9464"), std::nullopt})
                .status,
            200u)
      << "a clinic's Prometheus names the device as it knows it";
  EXPECT_EQ(send(http::verb::get, "/api/v1/status", "", "", "", true).status, 404u);
  EXPECT_EQ(post("/api/v1/stop").status, 404u);
  EXPECT_EQ(send(http::verb::post, "/metrics").status, 405u);
  EXPECT_EQ(gateway_.stops.load(), 0);
  port_ = api_port;
}

}  // namespace
}  // namespace rfneedle::daemon::testing
