// A patient's course (DESIGN 4): the sessions of one pseudonymous reference per body area,
// how recently an area was treated, where a session stands in its course and the window
// for the next one. Pure functions over what the store gives (Store::course).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controller/daemon/store.h"
#include "proto/api.pb.h"

namespace rfneedle::daemon {

// DESIGN 4: sessions 4 to 6 weeks apart, a course typically 3 to 7 of them.
inline constexpr std::int32_t kNextSessionFromDays = 28;
inline constexpr std::int32_t kNextSessionUntilDays = 42;
inline constexpr std::int32_t kTypicalCourseMin = 3;
inline constexpr std::int32_t kTypicalCourseMax = 7;

// The latest stored session that treated `area` (opened on it or delivered a pulse to it)
// fewer than `min_interval_days` before `today` (UTC days), or none.
struct RecentTreatment {
  std::uint64_t session_id = 0;
  std::int32_t days_ago = 0;
};
[[nodiscard]] std::optional<RecentTreatment> treated_within(
    const std::vector<CourseSession>& course, core::BodyArea area, std::int32_t today,
    std::int32_t min_interval_days);

// Session k of the course on the area it opened on, and the window for the next; empty
// when the course does not hold the session.
[[nodiscard]] std::optional<api::CoursePosition> position_in(
    const std::vector<CourseSession>& course, std::uint64_t session_id);

[[nodiscard]] api::PatientCourse to_api_course(const std::string& patient_ref,
                                               const std::vector<CourseSession>& course,
                                               std::int32_t min_interval_days);

}  // namespace rfneedle::daemon
