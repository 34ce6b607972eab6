// sessions list, sessions export.
#include <fstream>

#include "tools/diag/command_context.h"
#include "tools/diag/diag_output.pb.h"
#include "tools/diag/diag_time.h"

namespace rfneedle::diag {

Exit run_sessions_list(Context& c) {
  const auto list = c.get<api::SessionList>(
      "/api/v1/sessions?limit=" + std::to_string(c.options().limit), Need::kOperatorFirst);
  if (c.options().json) {
    c.json(list);
    return Exit::kOk;
  }
  Table t({"ID", "OPENED", "CLOSED", "OUTCOME", "AREA", "OPERATOR", "PATIENT", "CARTRIDGE"});
  for (const auto& s : list.sessions()) {
    t.add({std::to_string(s.id()), format_utc(from_timestamp(s.opened_at())),
           s.has_closed_at() ? format_utc(from_timestamp(s.closed_at())) : "-", s.outcome(),
           label(s.area()), s.operator_id(), s.patient_ref(), s.cartridge_serial()});
  }
  c.data(t.render(c.style()));
  return Exit::kOk;
}

Exit run_sessions_export(Context& c) {
  const Options& o = c.options();
  // An operator's log-in includes the patient reference; the service role's withholds it.
  const HttpAnswer answer = c.call(
      "GET", "/api/v1/sessions/" + std::to_string(o.session_id) + "/export?format=" + o.format,
      Need::kOperatorFirst);
  if (o.output_file == "-") {
    c.data(answer.body);
  } else {
    std::ofstream out(o.output_file, std::ios::binary | std::ios::trunc);
    out << answer.body;
    out.close();
    if (!out) {
      throw Failure(Exit::kUsage, "cannot write " + o.output_file);
    }
  }
  diag::ExportResult result;
  result.set_session_id(o.session_id);
  result.set_format(o.format);
  result.set_file(o.output_file);
  result.set_bytes(answer.body.size());
  if (o.json && o.output_file != "-") {
    c.json(result);
  } else if (o.output_file != "-") {
    c.message("session " + std::to_string(o.session_id) + " exported as " + o.format + " to " +
              o.output_file + " (" + std::to_string(answer.body.size()) + " bytes)");
  }
  return Exit::kOk;
}

}  // namespace rfneedle::diag
