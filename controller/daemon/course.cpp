#include "controller/daemon/course.h"

#include <algorithm>

#include "controller/daemon/api_convert.h"

namespace rfneedle::daemon {
namespace {

bool treats(const CourseSession& c, core::BodyArea area) {
  return std::find(c.areas.begin(), c.areas.end(), area) != c.areas.end();
}

void set_window(std::int32_t last_day, std::string* from, std::string* until) {
  *from = to_date(last_day + kNextSessionFromDays);
  *until = to_date(last_day + kNextSessionUntilDays);
}

}  // namespace

std::optional<RecentTreatment> treated_within(const std::vector<CourseSession>& course,
                                              core::BodyArea area, std::int32_t today,
                                              std::int32_t min_interval_days) {
  std::optional<RecentTreatment> latest;
  for (const CourseSession& c : course) {
    if (!treats(c, area)) {
      continue;
    }
    const std::int32_t days_ago = today - to_day(c.session.opened_at);
    if (days_ago < min_interval_days && (!latest || days_ago <= latest->days_ago)) {
      latest = RecentTreatment{c.session.id, std::max(days_ago, 0)};
    }
  }
  return latest;
}

std::optional<api::CoursePosition> position_in(const std::vector<CourseSession>& course,
                                               std::uint64_t session_id) {
  const auto it = std::find_if(course.begin(), course.end(), [&](const CourseSession& c) {
    return c.session.id == session_id;
  });
  if (it == course.end()) {
    return std::nullopt;
  }
  const core::BodyArea area = it->session.area;
  api::CoursePosition out;
  out.set_session(static_cast<std::int32_t>(
      std::count_if(course.begin(), it + 1, [&](const CourseSession& c) { return treats(c, area); })));
  set_window(to_day(it->session.opened_at), out.mutable_next_from(), out.mutable_next_until());
  out.set_typical_sessions_min(kTypicalCourseMin);
  out.set_typical_sessions_max(kTypicalCourseMax);
  return out;
}

api::PatientCourse to_api_course(const std::string& patient_ref,
                                 const std::vector<CourseSession>& course,
                                 std::int32_t min_interval_days) {
  api::PatientCourse out;
  out.set_patient_ref(patient_ref);
  out.set_min_course_interval_days(min_interval_days);
  out.set_typical_sessions_min(kTypicalCourseMin);
  out.set_typical_sessions_max(kTypicalCourseMax);
  for (std::size_t a = 0; a < core::kBodyAreaCount; ++a) {  // in body-area order
    const auto area = static_cast<core::BodyArea>(a);
    api::AreaCourse* entry = nullptr;
    std::int32_t k = 0;
    std::int32_t last_day = 0;
    for (const CourseSession& c : course) {
      if (!treats(c, area)) {
        continue;
      }
      if (entry == nullptr) {
        entry = out.add_areas();
        entry->set_area(static_cast<api::BodyArea>(static_cast<int>(area) + 1));
      }
      api::CourseVisit* visit = entry->add_sessions();
      visit->set_session_id(c.session.id);
      const WallMs at = c.session.opened_at;
      visit->mutable_opened_at()->set_seconds(at / 1000);
      visit->mutable_opened_at()->set_nanos(static_cast<std::int32_t>(at % 1000) * 1'000'000);
      last_day = to_day(at);
      visit->set_date(to_date(last_day));
      visit->set_outcome(c.session.outcome);
      visit->set_session(++k);
      visit->set_course_reason(c.session.course_reason);
    }
    if (entry != nullptr) {
      set_window(last_day, entry->mutable_next_from(), entry->mutable_next_until());
    }
  }
  return out;
}

}  // namespace rfneedle::daemon
