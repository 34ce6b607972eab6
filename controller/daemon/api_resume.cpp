// POST /api/v1/session/{id}/resume (SR-89): an interrupted session continues with the
// cartridge bound to it. The daemon checks what only the store knows (the session exists and
// was interrupted) and rebuilds the core's request from the stored record; the core checks
// the rest (Standby, no session open, the cartridge's memory: bound to this session,
// unexpired, not spent) and answers 409 with its reason when it refuses.
#include <charconv>

#include "controller/daemon/api_convert.h"
#include "controller/daemon/api_json.h"
#include "controller/daemon/api_service.h"
#include "controller/daemon/reconcile.h"

namespace rfneedle::daemon {
namespace {

// The screening as it was answered when the session opened: its YES items by id, against
// the configuration's items now (an id the configuration no longer has is not asked again).
core::Screening screening_of(const SessionRecord& s, const core::ScreeningItems& items) {
  core::Screening screening = core::Screening::all_no(items);
  for (std::size_t i = 0; i < items.size(); ++i) {
    for (const std::string& id : s.screening_yes) {
      if (items[i].id == id) {
        screening.yes[i] = true;
      }
    }
  }
  screening.clinician_override = !s.override_reason.empty();
  screening.override_reason = s.override_reason;
  return screening;
}

}  // namespace

void ApiService::resume_session(std::string_view id_text, const Caller& caller,
                                const Respond& respond) {
  std::uint64_t id = 0;
  auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc{} || end != id_text.data() + id_text.size() || id_text.empty() || id == 0) {
    return respond(error_response(
        400, error_body("wrong type", "id", "a session ID (unsigned integer above 0)")));
  }
  const std::optional<SessionRecord> found = store_.session(id);
  if (!found) {
    return respond(
        error_response(404, error_body("no such session", "id", "a stored session's ID")));
  }
  if (found->outcome != kInterruptedOutcome) {
    return respond(
        error_response(409, error_body("session " + std::to_string(id) +
                                           " is not interrupted (it is " + found->outcome + ")",
                                       "id", "a session closed as interrupted by a restart")));
  }
  ResumeSession resume;
  resume.session_id = id;
  resume.request.patient_ref = found->patient_ref;
  resume.request.operator_id = caller.user();
  resume.request.area = found->area;
  resume.request.screening = screening_of(*found, options_.core_config.screening);
  resume.request.today = to_day(options_.wall_now());
  ask_core(std::move(resume), respond);
}

}  // namespace rfneedle::daemon
