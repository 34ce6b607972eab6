// status, faults, faults ack, faults reset.
#include "tools/diag/command_context.h"
#include "tools/diag/diag_time.h"

namespace rfneedle::diag {
namespace {

bool latched(api::State s) {
  return s == api::STATE_FAULT || s == api::STATE_NEEDLE_STUCK || s == api::STATE_SERVICE_LOCK;
}

std::string conditions_table(const api::Status& s, const Style& style) {
  Table table({"PRIORITY", "CONDITION", "ACTION", "CLEARS", "OPERATOR-CAUSED"});
  for (const auto& cond : s.conditions()) {
    const std::string marker(priority_marker(cond.priority()));
    table.add({style.priority(cond.priority(),
                              label(cond.priority()) + (marker.empty() ? "" : " " + marker)),
               cond.name(), label(cond.rung()), label(cond.clear_policy()),
               cond.operator_caused() ? "yes" : "no"});
  }
  return table.render(style);
}

std::string cartridge_line(const api::Status& s) {
  if (!s.has_cartridge()) {
    return "none read";
  }
  const api::Cartridge& k = s.cartridge();
  if (k.kind() == api::CARTRIDGE_KIND_CALIBRATION_FIXTURE) {
    return "calibration fixture " + k.serial();
  }
  return label(k.kind()) + " " + k.serial() + ", " + std::to_string(k.needle_count()) +
         " needles, " + std::to_string(k.pulses_used()) + "/" + std::to_string(k.pulse_limit()) +
         " pulses, expires " + k.expiry_date() +
         (k.bound_session() != 0 ? ", bound to session " + std::to_string(k.bound_session())
                                 : ", unbound");
}

}  // namespace

Exit run_status(Context& c) {
  const auto s = c.get<api::Status>("/api/v1/status", Need::kAny);
  // The link's health needs the service role; an operator sees the rest.
  std::optional<api::LinkStats> link;
  if (c.tokens().load(api::ROLE_SERVICE)) {
    try {
      link = c.get<api::LinkStats>("/api/v1/service/link", Need::kService);
    } catch (const Failure&) {
      link.reset();
    }
  }
  if (c.options().json) {
    c.json(s);
    return Exit::kOk;
  }
  const Style& st = c.style();
  Fields f;
  f.add("State", st.bold(label(s.state())) + (latched(s.state()) ? " (latched)" : "") +
                     (s.screen_locked() ? ", screen locked" : ""));
  f.add("Alarm", st.priority(s.priority(), label(s.priority())) + ", " + label(s.rung()));
  f.add("Session", s.session().open() ? "open, " + std::to_string(s.session().id()) + " on " +
                                            label(s.session().area())
                                      : "none");
  if (s.has_parameters()) {
    const auto& p = s.parameters();
    f.add("Parameters", milli(p.depth_um(), 1) + " mm, " + milli(p.power_mw(), 1) + " W, " +
                            std::to_string(p.duration_ms()) + " ms");
  }
  f.add("Cartridge", cartridge_line(s));
  const auto& k = s.counters();
  f.add("Generator", std::to_string(k.generator_samples()) + " samples, " +
                         std::to_string(k.generator_samples_missed()) + " missed" +
                         (s.boards_simulated() ? " (simulated)" : ""));
  f.add("Actuator", std::to_string(k.actuator_samples()) + " samples, " +
                        std::to_string(k.actuator_samples_missed()) + " missed" +
                        (s.boards_simulated() ? " (simulated)" : ""));
  if (link) {
    for (const auto& b : link->boards()) {
      std::uint64_t errors = 0;
      for (const auto& [kind, n] : b.errors()) {
        errors += n;
      }
      f.add("Link " + b.board(), std::to_string(b.frames_received()) + " frames in, " +
                                     std::to_string(b.retransmissions()) + " retransmissions, " +
                                     std::to_string(errors) + " errors");
    }
  }
  f.add("Self-test", std::to_string(s.self_test().passed()) + "/" +
                         std::to_string(s.self_test().total()) + " checks passed" +
                         (s.self_test().finished() ? "" : " (running)"));
  f.add("Calibration", s.has_calibration()
                           ? "x" + micro(s.calibration().power_correction_ppm(), 4) + " since " +
                                 s.calibration().calibrated_on() + ", due " +
                                 s.calibration().due_on()
                           : "none in force");
  f.add("Pulses", std::to_string(k.pulses_delivered()) + " delivered, last ID " +
                      std::to_string(s.last_pulse_id()));
  if (!s.store_problem().empty()) {
    f.add("Store", st.priority(api::ALARM_PRIORITY_MEDIUM, s.store_problem()));
  }
  std::string out = f.render(st);
  if (s.conditions_size() > 0) {
    out += "\n" + conditions_table(s, st);
  }
  c.data(out);
  return Exit::kOk;
}

Exit run_faults(Context& c) {
  const auto s = c.get<api::Status>("/api/v1/status", Need::kAny);
  if (c.options().json) {
    api::Status only;
    only.set_state(s.state());
    only.set_rung(s.rung());
    only.set_priority(s.priority());
    *only.mutable_conditions() = s.conditions();
    c.json(only);
    return Exit::kOk;
  }
  if (latched(s.state())) {
    c.message("latched: " + label(s.state()));
  }
  if (s.conditions_size() == 0) {
    c.message("no active conditions");
    return Exit::kOk;
  }
  c.data(conditions_table(s, c.style()));
  return Exit::kOk;
}

Exit run_faults_ack(Context& c) {
  c.confirm("acknowledge the latched faults");
  const auto accepted = c.post<api::Accepted>("/api/v1/faults/acknowledge", Need::kOperator);
  if (c.options().json) {
    c.json(accepted);
  } else {
    c.message("acknowledged");
  }
  return Exit::kOk;
}

Exit run_faults_reset(Context& c) {
  c.confirm("reset the latch (service reset, recorded with the reason)");
  api::ResetRequest request;
  request.set_reason(c.options().reason);
  const auto accepted = c.post<api::Accepted>("/api/v1/faults/reset", Need::kService, request);
  if (c.options().json) {
    c.json(accepted);
  } else {
    c.message("reset");
  }
  return Exit::kOk;
}

}  // namespace rfneedle::diag
