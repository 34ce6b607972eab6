// calibrate rf: guided calibration of the RF output against the calibration fixture's
// reference meter, through the daemon's calibration routes (docs/api.md, "Calibration",
// SR-66). The daemon decides: it refuses without the fixture, with an overdue fixture
// meter, outside Service; the CLI runs each load at each set-point and reports.
#include "tools/diag/command_context.h"
#include "tools/diag/diag_output.pb.h"
#include "tools/diag/diag_time.h"

namespace rfneedle::diag {
namespace {

bool is_latched(api::State s) {
  return s == api::STATE_FAULT || s == api::STATE_NEEDLE_STUCK || s == api::STATE_SERVICE_LOCK;
}

std::string conditions_of(const api::Status& s) {
  std::string out;
  for (const auto& cond : s.conditions()) {
    if (cond.rung() >= api::RUNG_FAULT) out += (out.empty() ? "" : ", ") + cond.name();
  }
  return out.empty() ? label(s.state()) : out;
}

// Leaves Service when the command entered it, however the command ends.
class ServiceVisit {
 public:
  ServiceVisit(Context& c, bool entered, bool stay) : c_(c), leave_(entered && !stay) {}
  ~ServiceVisit() {
    if (leave_) exit_service(c_);
  }
  void keep() { leave_ = false; }
  ServiceVisit(const ServiceVisit&) = delete;
  ServiceVisit& operator=(const ServiceVisit&) = delete;

 private:
  Context& c_;
  bool leave_;
};

}  // namespace

Exit run_calibrate_rf(Context& c) {
  const Options& o = c.options();
  for (const auto p : o.powers_mw) {
    if (static_cast<std::int64_t>(p) * o.duration_ms > 2'000'000) {
      throw Failure(Exit::kUsage, "--powers " + std::to_string(p) + " mW x --duration " +
                                      std::to_string(o.duration_ms) +
                                      " ms is over 2 J, the most a calibration pulse may deliver");
    }
  }
  const std::string token = c.token(Need::kService);
  const bool entered = enter_service(c, "calibrate the RF output against the fixture");
  ServiceVisit visit(c, entered, o.stay_in_service);
  auto stream = open_stream(c, token);
  const auto first = wait_for_snapshot(
      *stream, [](const api::Status&) { return true; }, std::chrono::seconds(5));
  if (!first) {
    throw Failure(Exit::kUnreachable, "no snapshot on the stream: " + stream->error());
  }
  if (!first->has_cartridge() ||
      first->cartridge().kind() != api::CARTRIDGE_KIND_CALIBRATION_FIXTURE) {
    c.message("no calibration fixture attached: the controller will refuse");
  }
  int done_runs = first->calibration_progress().passed() + first->calibration_progress().failed();

  diag::CalibrationOutcome outcome;
  const std::size_t total = o.loads.size() * o.powers_mw.size();
  std::size_t n = 0;
  bool run_failed = false;
  for (const auto power : o.powers_mw) {
    for (const auto load : o.loads) {
      ++n;
      api::CalibrationRunRequest r;
      r.set_load_index(load);
      r.set_power_mw(power);
      r.set_duration_ms(o.duration_ms);
      (void)c.post<api::Accepted>("/api/v1/service/calibration/run", Need::kService, r);
      const int expected = done_runs + 1;
      const auto after = wait_for_snapshot(
          *stream,
          [&](const api::Status& s) {
            const auto& p = s.calibration_progress();
            return (!p.running() && p.passed() + p.failed() >= expected) || is_latched(s.state());
          },
          std::chrono::seconds(20));
      if (!after) {
        throw Failure(Exit::kRefused,
                      "calibration run " + std::to_string(n) + " did not finish within 20 s");
      }
      done_runs = after->calibration_progress().passed() + after->calibration_progress().failed();
      auto* step = outcome.add_steps();
      step->set_load_index(load);
      step->set_power_mw(power);
      step->set_duration_ms(o.duration_ms);
      api::CalibrationRun run = after->calibration_progress().last();
      if (is_latched(after->state()) && done_runs < expected) {
        run.set_load_index(load);
        run.set_passed(false);
        run.set_reason("the device latched " + label(after->state()) + ": " +
                       conditions_of(*after));
      }
      *step->mutable_run() = run;
      c.message("[" + std::to_string(n) + "/" + std::to_string(total) + "] load " +
                std::to_string(load) + " at " + milli(power, 1) + " W: " +
                (run.passed() ? "passed, correction x" + micro(run.correction_ppm(), 4)
                              : "FAILED: " + run.reason()));
      if (!run.passed()) {
        run_failed = true;
        break;
      }
    }
    if (run_failed) break;
  }

  // Completion records the result either way (a failed attempt as failed, with the reason).
  const HttpAnswer complete =
      c.client().request("POST", "/api/v1/service/calibration/complete", "{}", token);
  require_answer(complete, c.client().url());
  if (complete.status == 200) {
    outcome.set_passed(true);
  } else if (complete.status == 409) {
    api::ErrorBody error;
    (void)from_json(complete.body, error);
    outcome.set_passed(false);
    outcome.set_reason(error.error());
  } else {
    throw Failure(exit_for_status(complete.status), describe_error(complete));
  }
  if (run_failed && outcome.reason().empty()) {
    outcome.set_reason("a calibration run failed");
  }
  const auto report =
      c.get<api::CalibrationReport>("/api/v1/service/calibration?limit=1", Need::kService);
  if (report.history_size() > 0 && (outcome.passed() || complete.status == 409)) {
    *outcome.mutable_record() = report.history(0);
  }
  if (o.json) {
    c.json(outcome);
  } else {
    Table t({"LOAD", "POWER_W", "RESULT", "GENERATOR_J", "REFERENCE_J", "CORRECTION"});
    for (const auto& s : outcome.steps()) {
      t.add({std::to_string(s.load_index()), milli(s.power_mw(), 1),
             s.run().passed() ? c.style().good(true, "pass") : c.style().good(false, "FAIL"),
             micro(s.run().generator_energy_uj(), 4), micro(s.run().reference_energy_uj(), 4),
             s.run().correction_ppm() != 0 ? "x" + micro(s.run().correction_ppm(), 4) : "-"});
    }
    std::string out = t.render(c.style()) + "\n";
    if (outcome.passed()) {
      const auto& rec = outcome.record();
      const auto& cal = rec.calibration();
      Fields f;
      f.add("Result", c.style().good(true, "PASSED"));
      f.add("Correction", "x" + micro(cal.power_correction_ppm(), 4));
      f.add("Calibrated", cal.calibrated_on() + ", due " + cal.due_on());
      f.add("Generator", rec.generator_serial());
      f.add("Fixture",
            cal.fixture_serial() + ", reference meter due " + cal.fixture_meter_due_on());
      out += f.render(c.style());
    } else {
      out += c.style().good(false, "FAILED") + ": " + outcome.reason() + "\n";
    }
    c.data(out);
  }
  if (is_latched(c.get<api::Status>("/api/v1/status", Need::kService).state())) {
    visit.keep();  // a latch is cleared by its policy first (faults ack / faults reset)
  }
  return outcome.passed() ? Exit::kOk : Exit::kCheckFailed;
}

}  // namespace rfneedle::diag
