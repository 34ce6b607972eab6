// A session's record for the clinic's own records (issue 10): CSV (one row per pulse),
// JSON (the API's SessionDetail) or an HL7 FHIR R4 Bundle (a Procedure for the session,
// a Device for the handpiece and one for the cartridge, Observations for the delivered
// energy and the impedance statistics, the after-care as the Procedure's note). The
// patient reference is left out unless `with_patient` (the operator role). Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "controller/daemon/store.h"

namespace rfneedle::daemon {

enum class ExportFormat { kCsv, kJson, kFhir };

struct SessionExport {
  std::string content_type;
  std::string body;
};

[[nodiscard]] SessionExport export_session(const SessionRecord& session,
                                           const std::vector<StoredPulse>& pulses,
                                           const std::vector<std::string>& after_care,
                                           ExportFormat format, bool with_patient);

}  // namespace rfneedle::daemon
