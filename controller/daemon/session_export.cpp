#include "controller/daemon/session_export.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <chrono>

#include "controller/daemon/api_convert.h"
#include "controller/daemon/api_json.h"
#include "controller/daemon/stored_names.h"

namespace rfneedle::daemon {
namespace {

namespace pb = google::protobuf;

std::string rfc3339(WallMs at) {
  return pb::util::TimeUtil::ToString(pb::util::TimeUtil::MillisecondsToTimestamp(at));
}

// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
std::string csv(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    return std::string(text);
  }
  std::string out = "\"";
  for (char c : text) {
    out += c == '"' ? "\"\"" : std::string(1, c);
  }
  return out + "\"";
}

bool is_treatment(const StoredPulse& p) { return p.record.kind == core::PulseKind::kTreatment; }

// JSON values through protobuf's Struct.
pb::Value text(std::string_view s) {
  pb::Value v;
  v.set_string_value(std::string(s));
  return v;
}
pb::Value number(double d) {
  pb::Value v;
  v.set_number_value(d);
  return v;
}
pb::Value object(std::initializer_list<std::pair<const char*, pb::Value>> fields) {
  pb::Value v;
  auto& map = *v.mutable_struct_value()->mutable_fields();
  for (const auto& [key, value] : fields) {
    map[key] = value;
  }
  return v;
}
pb::Value list(std::vector<pb::Value> items) {
  pb::Value v;
  for (pb::Value& item : items) {
    *v.mutable_list_value()->add_values() = std::move(item);
  }
  return v;
}
pb::Value codeable(std::string_view t) { return object({{"text", text(t)}}); }
pb::Value quantity(double value, std::string_view unit, std::string_view ucum) {
  return object({{"value", number(value)},
                 {"unit", text(unit)},
                 {"system", text("http://unitsofmeasure.org")},
                 {"code", text(ucum)}});
}
pb::Value entry(const std::string& full_url, pb::Value resource) {
  return object({{"fullUrl", text(full_url)}, {"resource", std::move(resource)}});
}

std::string export_csv(const SessionRecord& s, const std::vector<StoredPulse>& pulses,
                       bool with_patient) {
  std::string out =
      "session_id,patient_ref,operator,pulse_id,started_at,area,set_power_mw,set_duration_ms,"
      "set_depth_um,planned_energy_uj,delivered_energy_uj,rf_time_us,impedance_min_ohm,"
      "impedance_mean_ohm,impedance_max_ohm,skin_peak_mdegc,outcome,reconciled\r\n";
  const std::string ref = with_patient ? csv(s.patient_ref) : "";
  for (const StoredPulse& p : pulses) {
    if (!is_treatment(p)) {
      continue;
    }
    const core::PulseRecord& r = p.record;
    out += std::to_string(s.id) + "," + ref + "," + csv(p.operator_id) + "," +
           std::to_string(r.pulse_id) + "," + rfc3339(p.started_at) + "," +
           std::string(stored_name(p.area)) + "," + std::to_string(r.set.power.value()) + "," +
           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(r.set.duration).count()) +
           "," + std::to_string(r.set.depth.value()) + "," +
           std::to_string(r.planned_energy.value()) + "," +
           std::to_string(r.delivered_energy.value()) + "," +
           std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(r.rf_time).count()) +
           "," + std::to_string(r.impedance_min.value()) + "," +
           std::to_string(r.impedance_mean.value()) + "," +
           std::to_string(r.impedance_max.value()) + "," + std::to_string(r.skin_peak.value()) +
           "," + std::string(stored_name(r.outcome)) + "," + (p.reconciled ? "1" : "0") + "\r\n";
  }
  return out;
}

std::string export_fhir(const SessionRecord& s, const std::vector<StoredPulse>& pulses,
                        const std::vector<std::string>& after_care, bool with_patient) {
  const std::string id = std::to_string(s.id);
  const std::string procedure_url = "urn:uuid:rfneedle-session-" + id;
  const std::string handpiece_url = "urn:uuid:rfneedle-session-" + id + "-handpiece";
  const std::string cartridge_url = "urn:uuid:rfneedle-session-" + id + "-cartridge";
  double energy_j = 0;
  std::int64_t z_min = 0;
  std::int64_t z_max = 0;
  std::int64_t z_sum = 0;
  std::int64_t counted = 0;
  for (const StoredPulse& p : pulses) {
    if (!is_treatment(p) || p.record.outcome == core::PulseOutcome::kNotDelivered) {
      continue;
    }
    energy_j += static_cast<double>(p.record.delivered_energy.value()) / 1e6;
    const std::int64_t lo = p.record.impedance_min.value();
    const std::int64_t hi = p.record.impedance_max.value();
    z_min = counted == 0 ? lo : std::min(z_min, lo);
    z_max = counted == 0 ? hi : std::max(z_max, hi);
    z_sum += p.record.impedance_mean.value();
    ++counted;
  }
  // The subject is required: the reference for the operator role, withheld otherwise.
  const pb::Value subject =
      with_patient ? object({{"identifier", object({{"value", text(s.patient_ref)}})},
                             {"display", text(s.patient_ref)}})
                   : object({{"display", text("withheld")}});
  std::vector<pb::Value> notes;
  for (const std::string& line : after_care) {
    notes.push_back(object({{"text", text("After-care: " + line)}}));
  }
  pb::Value performed = object({{"start", text(rfc3339(s.opened_at))}});
  if (s.closed_at) {
    (*performed.mutable_struct_value()->mutable_fields())["end"] = text(rfc3339(*s.closed_at));
  }
  pb::Value procedure = object({
      {"resourceType", text("Procedure")},
      {"status", text(s.outcome == "open" ? "in-progress"
                      : s.outcome == "interrupted" ? "stopped" : "completed")},
      {"code", codeable("Radiofrequency microneedling")},
      {"subject", subject},
      {"performedPeriod", performed},
      {"performer", list({object({{"actor", object({{"display", text(s.operator_id)}})}})})},
      {"bodySite", list({codeable(stored_name(s.area))})},
      {"focalDevice",
       list({object({{"manipulated", object({{"reference", text(handpiece_url)}})}}),
             object({{"manipulated", object({{"reference", text(cartridge_url)}})}})})},
      {"note", list(std::move(notes))},
  });
  pb::Value handpiece = object({
      {"resourceType", text("Device")},
      {"serialNumber", text(s.generator_serial)},
      {"deviceName", list({object({{"name", text("rfneedle handpiece (generator " +
                                                  s.generator_serial + ", actuator " +
                                                  s.actuator_serial + ")")},
                                   {"type", text("user-friendly-name")}})})},
      {"version", list({object({{"value", text(s.software_version)}})})},
  });
  pb::Value cartridge = object({
      {"resourceType", text("Device")},
      {"serialNumber", text(s.cartridge_serial)},
      {"deviceName", list({object({{"name", text("needle cartridge " + s.cartridge_serial)},
                                   {"type", text("user-friendly-name")}})})},
  });
  const pb::Value part_of = list({object({{"reference", text(procedure_url)}})});
  const pb::Value effective = text(rfc3339(s.closed_at.value_or(s.opened_at)));
  pb::Value energy = object({
      {"resourceType", text("Observation")},
      {"status", text("final")},
      {"code", codeable("Delivered RF energy, session total")},
      {"subject", subject},
      {"partOf", part_of},
      {"effectiveDateTime", effective},
      {"device", object({{"reference", text(handpiece_url)}})},
      {"valueQuantity", quantity(energy_j, "J", "J")},
  });
  const double z_mean = counted == 0 ? 0.0 : static_cast<double>(z_sum) / static_cast<double>(counted);
  auto component = [&](std::string_view what, double ohms) {
    return object({{"code", codeable(what)}, {"valueQuantity", quantity(ohms, "Ohm", "Ohm")}});
  };
  pb::Value impedance = object({
      {"resourceType", text("Observation")},
      {"status", text("final")},
      {"code", codeable("Tissue impedance over the session's pulses")},
      {"subject", subject},
      {"partOf", part_of},
      {"effectiveDateTime", effective},
      {"device", object({{"reference", text(handpiece_url)}})},
      {"component", list({component("minimum", static_cast<double>(z_min)),
                          component("mean of the pulse means", z_mean),
                          component("maximum", static_cast<double>(z_max))})},
  });
  if (counted == 0) {
    auto& f = *impedance.mutable_struct_value()->mutable_fields();
    f.erase("component");
    f["dataAbsentReason"] = codeable("no pulse delivered");
  }
  pb::Value bundle = object({
      {"resourceType", text("Bundle")},
      {"type", text("collection")},
      {"timestamp", text(rfc3339(s.closed_at.value_or(s.opened_at)))},
      {"entry", list({entry(procedure_url, std::move(procedure)),
                      entry(handpiece_url, std::move(handpiece)),
                      entry(cartridge_url, std::move(cartridge)),
                      entry(procedure_url + "-energy", std::move(energy)),
                      entry(procedure_url + "-impedance", std::move(impedance))})},
  });
  std::string out;
  (void)pb::util::MessageToJsonString(bundle, &out);
  return out;
}

}  // namespace

SessionExport export_session(const SessionRecord& session, const std::vector<StoredPulse>& pulses,
                             const std::vector<std::string>& after_care, ExportFormat format,
                             bool with_patient) {
  switch (format) {
    case ExportFormat::kCsv:
      return {"text/csv; charset=utf-8", export_csv(session, pulses, with_patient)};
    case ExportFormat::kFhir:
      return {"application/fhir+json", export_fhir(session, pulses, after_care, with_patient)};
    case ExportFormat::kJson:
      break;
  }
  api::SessionDetail detail;
  *detail.mutable_session() = to_api(session);
  if (!with_patient) {
    detail.mutable_session()->clear_patient_ref();
  }
  for (const StoredPulse& p : pulses) {
    *detail.add_pulses() = to_api(p);
  }
  return {"application/json", to_json(detail)};
}

}  // namespace rfneedle::daemon
