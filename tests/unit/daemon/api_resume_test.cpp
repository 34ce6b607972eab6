// POST /api/v1/session/{id}/resume (SR-89) over the API server, against the fake gateway and
// store: the operator role only, the stored interrupted session rebuilt into the core's
// request (the caller as operator, never the request's word for the cartridge), what only
// the store knows refused before the core, the core's refusals as 409 with its reason, and
// every attempt audited.
#include <gmock/gmock.h>

#include "controller/core/core_config.h"
#include "tests/unit/daemon/api_server_fixture.h"
#include "tests/unit/daemon/store_test_support.h"

namespace rfneedle::daemon {
namespace {

using testing::ApiServerTest;
using testing::Reply;

class ResumeApiTest : public ApiServerTest {
 protected:
  void store_session(std::uint64_t id, const std::string& outcome) {
    SessionRecord s = testing::session_record(id);
    s.area = core::BodyArea::kNeck;
    s.screening_yes = {"diabetes", "smoking_last_2_weeks"};
    s.override_reason = "diabetes well controlled, physician consulted";
    s.outcome = outcome;
    on_io([&] { store_.session_list.push_back(s); });
  }
  static std::string route(std::string_view id) {
    return "/api/v1/session/" + std::string(id) + "/resume";
  }
};

std::size_t item_index(std::string_view id) {
  const core::ScreeningItems items = core::default_screening_items();
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].id == id) {
      return i;
    }
  }
  ADD_FAILURE() << "no screening item " << id;
  return 0;
}

// Verifies: SR-89
TEST_F(ResumeApiTest, AnInterruptedSessionResumesFromItsRecordWithTheCallerAsOperator) {
  store_session(6, "interrupted");
  const Reply r = post(route("6"), "{}", operator_token("alice"));
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_EQ(gateway_.request_count.load(), 1);
  const auto& resume = std::get<ResumeSession>(gateway_.requests.back());
  EXPECT_EQ(resume.session_id, 6u);
  EXPECT_EQ(resume.request.patient_ref, "P-6");
  EXPECT_EQ(resume.request.operator_id, "alice");
  EXPECT_EQ(resume.request.area, core::BodyArea::kNeck);
  ASSERT_EQ(resume.request.screening.yes.size(), core::default_screening_items().size());
  EXPECT_TRUE(resume.request.screening.yes[item_index("diabetes")]);
  EXPECT_TRUE(resume.request.screening.yes[item_index("smoking_last_2_weeks")]);
  EXPECT_FALSE(resume.request.screening.yes[item_index("pregnancy")]);
  EXPECT_TRUE(resume.request.screening.clinician_override);
  EXPECT_EQ(resume.request.screening.override_reason,
            "diabetes well controlled, physician consulted");
  EXPECT_GT(resume.request.today, 0);
  const std::vector<AuditEntry> log = audit_log();
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back().route, route("6"));
  EXPECT_EQ(log.back().user, "alice");
}

// Verifies: SR-89
TEST_F(ResumeApiTest, ASessionNotInterruptedOrUnknownIsRefusedBeforeTheCore) {
  store_session(5, "closed");
  store_session(7, "open");
  const std::string op = operator_token();
  Reply r = post(route("5"), "{}", op);
  EXPECT_EQ(r.status, 409u);
  EXPECT_EQ(r.error().field(), "id");
  EXPECT_THAT(r.error().error(), ::testing::HasSubstr("not interrupted"));
  EXPECT_EQ(post(route("7"), "{}", op).status, 409u);
  r = post(route("8"), "{}", op);
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.error().field(), "id");
  for (const char* bad : {"x", "0", "-1", "1e3"}) {
    r = post(route(bad), "{}", op);
    EXPECT_EQ(r.status, 400u) << bad;
    EXPECT_EQ(r.error().field(), "id") << bad;
  }
  EXPECT_EQ(gateway_.request_count.load(), 0);
  // Refused or not, each was audited.
  EXPECT_GE(audit_log().size(), 7u);
}

// Verifies: SR-89
TEST_F(ResumeApiTest, TheCoreRefusalIs409WithItsReasonAndOnlyTheOperatorMayAsk) {
  store_session(6, "interrupted");
  EXPECT_EQ(post(route("6")).status, 401u);
  EXPECT_EQ(post(route("6"), "{}", service_token()).status, 403u);
  EXPECT_EQ(gateway_.request_count.load(), 0);
  gateway_.next_reply = {core::ResponseCode::kExecutionError, "",
                         "the attached cartridge is bound to another session"};
  const Reply r = post(route("6"), "{}", operator_token());
  EXPECT_EQ(r.status, 409u);
  EXPECT_EQ(r.error().error(), "the attached cartridge is bound to another session");
}

}  // namespace
}  // namespace rfneedle::daemon
