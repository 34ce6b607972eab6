#include "controller/daemon/api_validation.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace rfneedle::daemon {
namespace {

template <typename T>
std::string refused_field(const Checked<T>& c) {
  const auto* e = std::get_if<api::ErrorBody>(&c);
  return e ? e->field() : "<accepted>";
}

const core::ScreeningItems kItems = core::default_screening_items();

std::size_t index_of(const std::string& id) {
  const auto it = std::find_if(kItems.begin(), kItems.end(),
                               [&](const core::ScreeningItem& i) { return i.id == id; });
  return static_cast<std::size_t>(it - kItems.begin());
}

api::OpenSessionRequest all_no() {
  api::OpenSessionRequest r;
  r.set_patient_ref("P-0001");
  r.set_area(api::BODY_AREA_FOREHEAD);
  for (const core::ScreeningItem& item : kItems) {
    (*r.mutable_checklist())[item.id] = api::NO;
  }
  return r;
}

// Verifies: SR-75
TEST(ApiValidation, ParametersOutsideTheEnvelopeNameTheField) {
  const core::Envelope e;
  api::ParametersRequest r;
  r.set_depth_um(1500);
  r.set_power_mw(10'000);
  r.set_duration_ms(100);
  EXPECT_EQ(refused_field(to_pulse_parameters(r, e)), "<accepted>");
  r.set_power_mw(50'001);
  EXPECT_EQ(refused_field(to_pulse_parameters(r, e)), "power_mw");
  r.set_power_mw(10'000);
  r.set_duration_ms(9);
  EXPECT_EQ(refused_field(to_pulse_parameters(r, e)), "duration_ms");
  r.set_duration_ms(100);
  r.set_depth_um(1550);
  EXPECT_EQ(refused_field(to_pulse_parameters(r, e)), "depth_um");
  r.set_depth_um(-100);
  EXPECT_EQ(refused_field(to_pulse_parameters(r, e)), "depth_um");
}

TEST(ApiValidation, ParametersBecomeCoreUnits) {
  api::ParametersRequest r;
  r.set_depth_um(2000);
  r.set_power_mw(12'000);
  r.set_duration_ms(150);
  r.set_confirm_outside_range(true);
  const auto p = std::get<core::PulseParameters>(to_pulse_parameters(r, core::Envelope{}));
  EXPECT_EQ(p.depth, Micrometres{2000});
  EXPECT_EQ(p.power, Milliwatts{12'000});
  EXPECT_EQ(p.duration, milliseconds(150));
  EXPECT_TRUE(p.depth_confirmed);
}

// Verifies: SR-75
TEST(ApiValidation, SessionTakesTheOperatorFromTheCallerAndMapsEveryAnswer) {
  api::OpenSessionRequest r = all_no();
  (*r.mutable_checklist())["pregnancy"] = api::YES;
  r.set_override_reason("cleared by the patient's physician");
  const auto s = std::get<core::SessionRequest>(to_session_request(r, kItems, "alice", 20000));
  EXPECT_EQ(s.operator_id, "alice");
  EXPECT_EQ(s.area, core::BodyArea::kForehead);
  ASSERT_EQ(s.screening.yes.size(), kItems.size());
  EXPECT_TRUE(s.screening.yes[index_of("pregnancy")]);
  EXPECT_EQ(std::count(s.screening.yes.begin(), s.screening.yes.end(), true), 1);
  EXPECT_TRUE(s.screening.clinician_override);
  EXPECT_EQ(s.today, 20000);
}

// Verifies: SR-75
TEST(ApiValidation, SessionRefusesAnUnansweredItemAMissingRefAndAnEmptyOverride) {
  api::OpenSessionRequest r = all_no();
  (*r.mutable_checklist())["under_18"] = api::ANSWER_UNSPECIFIED;
  EXPECT_EQ(refused_field(to_session_request(r, kItems, "a", 0)), "checklist.under_18");
  r = all_no();
  r.mutable_checklist()->erase("diabetes");
  EXPECT_EQ(refused_field(to_session_request(r, kItems, "a", 0)), "checklist.diabetes");
  r = all_no();
  (*r.mutable_checklist())["sunburn"] = api::NO;  // not a configured item
  EXPECT_EQ(refused_field(to_session_request(r, kItems, "a", 0)), "checklist.sunburn");
  r = all_no();
  (*r.mutable_checklist())["smoking_last_2_weeks"] = api::YES;
  r.set_override_reason("an advisory needs no override");
  EXPECT_EQ(refused_field(to_session_request(r, kItems, "a", 0)), "override_reason");
  r = all_no();
  r.set_patient_ref("");
  EXPECT_EQ(refused_field(to_session_request(r, kItems, "a", 0)), "patient_ref");
  r = all_no();
  r.set_patient_ref(std::string(65, 'x'));
  EXPECT_EQ(refused_field(to_session_request(r, kItems, "a", 0)), "patient_ref");
  r = all_no();
  r.set_override_reason("nothing to override");
  EXPECT_EQ(refused_field(to_session_request(r, kItems, "a", 0)), "override_reason");
  r = all_no();
  r.set_area(api::BODY_AREA_UNSPECIFIED);
  EXPECT_EQ(refused_field(to_session_request(r, kItems, "a", 0)), "area");
}

TEST(ApiValidation, EventQueryReadsEveryParameter) {
  const auto q = std::get<EventQuery>(to_event_query(
      "after_id=41&since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z&severity=WARNING_LOW"
      "&limit=10"));
  EXPECT_EQ(q.after_id, 41u);
  EXPECT_EQ(q.since, 1767225600000);
  EXPECT_EQ(q.until, 1767225600000 + 86'400'000);
  EXPECT_EQ(q.min_severity, core::Severity::kWarningLow);
  EXPECT_EQ(q.limit, 10u);
}

// Verifies: SR-75
TEST(ApiValidation, EventQueryNamesTheBadParameter) {
  EXPECT_EQ(refused_field(to_event_query("after_id=x")), "after_id");
  EXPECT_EQ(refused_field(to_event_query("since=yesterday")), "since");
  EXPECT_EQ(refused_field(to_event_query("severity=LOUD")), "severity");
  EXPECT_EQ(refused_field(to_event_query("limit=0")), "limit");
  EXPECT_EQ(refused_field(to_event_query("limit=1001")), "limit");
  EXPECT_EQ(refused_field(to_event_query("colour=red")), "colour");
}

// Verifies: SR-75
TEST(ApiValidation, LoginNeedsARoleAUserForOperatorsAndASecret) {
  api::LoginRequest r;
  r.set_user("alice");
  r.set_secret("123456");
  EXPECT_EQ(check_login(r)->field(), "role");
  r.set_role(api::ROLE_DISPLAY);
  EXPECT_EQ(check_login(r)->field(), "role");
  r.set_role(api::ROLE_OPERATOR);
  EXPECT_FALSE(check_login(r));
  r.set_user("");
  EXPECT_EQ(check_login(r)->field(), "user");
  r.set_role(api::ROLE_SERVICE);
  EXPECT_FALSE(check_login(r));
  r.set_secret("");
  EXPECT_EQ(check_login(r)->field(), "secret");
}

}  // namespace
}  // namespace rfneedle::daemon
