#include "controller/daemon/api_json.h"

#include <gtest/gtest.h>

#include "controller/daemon/api_convert.h"
#include "controller/daemon/api_validation.h"

namespace rfneedle::daemon {
namespace {

std::string field_of(std::string_view json, google::protobuf::Message& into) {
  const auto e = parse_json(json, into);
  return e ? e->field() : "<accepted>";
}

// Verifies: SR-75
TEST(ApiJson, MalformedJsonIsRefusedWithTheJsonRule) {
  api::ParametersRequest r;
  const auto e = parse_json(R"({"depth_um": 1500,)", r);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error(), "malformed JSON");
}

// Verifies: SR-75
TEST(ApiJson, UnknownFieldIsRefusedNamingIt) {
  api::ParametersRequest r;
  const auto e = parse_json(R"({"depth_um": 1500, "energy": 3})", r);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error(), "unknown field");
  EXPECT_EQ(e->field(), "energy");
}

// Verifies: SR-75
TEST(ApiJson, NestedUnknownFieldIsNamedWithItsPath) {
  api::SessionDetail r;
  EXPECT_EQ(field_of(R"({"session": {"warts": "NO"}})", r), "session.warts");
}

// Verifies: SR-75
TEST(ApiJson, WrongTypesAreRefusedNamingTheField) {
  api::ParametersRequest r;
  EXPECT_EQ(field_of(R"({"depth_um": "deep"})", r), "depth_um");
  EXPECT_EQ(field_of(R"({"depth_um": 1500.5})", r), "depth_um");
  EXPECT_EQ(field_of(R"({"confirm_outside_range": 1})", r), "confirm_outside_range");
  EXPECT_EQ(field_of(R"({"power_mw": null})", r), "power_mw");
  EXPECT_EQ(field_of(R"([1, 2])", r), "");
}

// Verifies: SR-75
TEST(ApiJson, IntegerBeyondItsTypeIsOutOfRange) {
  api::ParametersRequest r;
  const auto e = parse_json(R"({"power_mw": 1e12})", r);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error(), "out of range");
  EXPECT_EQ(e->field(), "power_mw");
}

// Verifies: SR-75
TEST(ApiJson, UnknownEnumNameIsRefusedListingTheValues) {
  api::LoginRequest r;
  const auto e = parse_json(R"({"role": "ROLE_ADMIN"})", r);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->field(), "role");
  EXPECT_NE(e->rule().find("ROLE_OPERATOR"), std::string::npos);
}

TEST(ApiJson, AcceptsAWellFormedRequest) {
  api::ParametersRequest r;
  EXPECT_FALSE(parse_json(R"({"depth_um": 1500, "power_mw": 10000, "duration_ms": 100})", r));
  EXPECT_EQ(r.depth_um(), 1500);
  EXPECT_EQ(r.power_mw(), 10000);
}

TEST(ApiJson, EmptyBodyIsAnEmptyObject) {
  api::Accepted r;
  EXPECT_FALSE(parse_json("", r));
}

// Verifies: SR-75
TEST(ApiJson, AChecklistAnswerThatIsNoAnswerIsNamed) {
  api::OpenSessionRequest r;
  EXPECT_EQ(field_of(R"({"checklist": {"keloids": "MAYBE"}})", r), "checklist.keloids");
  EXPECT_EQ(field_of(R"({"checklist": {"keloids": 7.5}})", r), "checklist.keloids");
  ASSERT_FALSE(parse_json(R"({"checklist": {"keloids": "NO", "diabetes": "YES"}})", r));
  EXPECT_EQ(r.checklist().at("diabetes"), api::YES);
}

// Verifies: SR-75
TEST(ApiJson, UnspecifiedEnumIsNamed) {
  api::LoginRequest r;
  ASSERT_FALSE(parse_json(R"({"user": "alice", "secret": "123456"})", r));
  EXPECT_EQ(first_unspecified_enum(r), "role");
}

TEST(ApiJson, PrintsProtoNamesEveryPrimitiveAnd64BitIdsAsStrings) {
  api::Status s;
  s.set_snapshot_id(12345678901234ull);
  const std::string json = to_json(s);
  EXPECT_NE(json.find(R"("snapshot_id":"12345678901234")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("screen_locked":false)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("state":"STATE_UNSPECIFIED")"), std::string::npos) << json;
}

TEST(ApiJson, AcceptsA64BitIdAsAString) {
  api::DisplayHeartbeat h;
  EXPECT_FALSE(parse_json(R"({"snapshot_id": "18446744073709551615"})", h));
  EXPECT_EQ(h.snapshot_id(), 18446744073709551615ull);
  EXPECT_EQ(field_of(R"({"snapshot_id": "-1"})", h), "snapshot_id");
}

TEST(ApiConvert, StatusCarriesEachConditionWithRungPriorityAndClearPolicy) {
  core::Status s;
  s.in_effect.set(core::index(core::Condition::kSkinHot));
  const api::Status out = to_api(s, false);
  ASSERT_EQ(out.conditions_size(), 1);
  EXPECT_EQ(out.conditions(0).name(), "skin_hot");
  EXPECT_EQ(out.conditions(0).rung(), api::RUNG_BLOCK_NEXT_PULSE);
  EXPECT_EQ(out.conditions(0).priority(), api::ALARM_PRIORITY_MEDIUM);
  EXPECT_EQ(out.conditions(0).clear_policy(), api::CLEAR_POLICY_WHEN_CONDITION_CLEARS);
  EXPECT_FALSE(out.has_cartridge());
}

TEST(ApiConvert, PresetsListEveryAreaAndChecklistItemInCoreOrder) {
  const api::Presets p = to_api_presets(core::CoreConfig{}, default_after_care());
  ASSERT_EQ(p.areas_size(), static_cast<int>(core::kBodyAreaCount));
  EXPECT_EQ(p.areas(4).area(), api::BODY_AREA_CHEEK);
  EXPECT_EQ(p.areas(4).depth_max_um(), 3500);
  EXPECT_EQ(p.areas(10).area(), api::BODY_AREA_CHIN);
  EXPECT_EQ(p.areas(11).name(), "scalp");
  EXPECT_EQ(p.areas(11).depth_max_um(), 1500);
  EXPECT_EQ(p.areas(13).cartridge(), api::CARTRIDGE_KIND_BODY);
  const core::ScreeningItems items = core::default_screening_items();
  ASSERT_EQ(p.checklist_size(), static_cast<int>(items.size()));
  EXPECT_EQ(p.checklist(12).field(), "under_18");
  EXPECT_EQ(p.checklist(12).kind(), api::CHECKLIST_KIND_CONTRAINDICATION);
  EXPECT_EQ(p.checklist(13).field(), "smoking_last_2_weeks");
  EXPECT_EQ(p.checklist(13).kind(), api::CHECKLIST_KIND_ADVISORY);
  EXPECT_EQ(p.checklist(14).text(), "retinol, vitamin C serum or glycolic acid on the area");
  EXPECT_EQ(p.after_care_size(), 4);
}

TEST(ApiConvert, DaysPrintAsDates) {
  EXPECT_EQ(to_date(0), "1970-01-01");
  EXPECT_EQ(to_date(20454), "2026-01-01");
  EXPECT_EQ(to_day(86'400'000LL * 20454 + 5), 20454);
}

}  // namespace
}  // namespace rfneedle::daemon
