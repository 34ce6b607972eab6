#include "tests/support/treatment_runner.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <sstream>
#include <thread>

namespace rfneedle::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

std::string names(const std::set<std::string>& set) {
  std::string out;
  for (const std::string& n : set) {
    out += (out.empty() ? "" : ", ") + n;
  }
  return out.empty() ? "(none shown)" : out;
}

bool has_condition(const api::Status& s, std::string_view name) {
  return std::any_of(s.conditions().begin(), s.conditions().end(),
                     [&](const api::ActiveCondition& c) { return c.name() == name; });
}

}  // namespace

TreatmentRunner::TreatmentRunner(DeviceProcesses& device)
    : device_(device),
      display_(std::make_unique<DisplayClient>("127.0.0.1", device.port())),
      operator_token_(device.login_operator()) {
  device_.log_in_for_host_faults();
  wait_for_display_live();
}

void TreatmentRunner::wait_for_display_live() {
  const auto live =
      display_->wait_for([](const api::Status& s) { return !has_condition(s, "display_stale"); },
                         std::chrono::seconds(10));
  if (!live) {
    throw DeviceError("the core never counted the display live (display_stale stayed)");
  }
}

std::uint64_t TreatmentRunner::open(const api::ParametersRequest& parameters, api::BodyArea area) {
  (void)device_.wait_for_standby();  // a host fault since start-up is cleared first
  const SimHistory before = device_.history();
  baseline_pulse_ = before.pulses.empty() ? 0 : before.pulses.back().n;
  session_id_ = device_.open_session(operator_token_, area);
  device_.set_parameters(operator_token_, parameters);
  return session_id_;
}

void TreatmentRunner::resume(std::uint64_t session, const api::ParametersRequest& parameters) {
  (void)device_.wait_for_standby();
  const SimHistory before = device_.history();
  baseline_pulse_ = before.pulses.empty() ? 0 : before.pulses.back().n;
  session_id_ = device_.resume_session(operator_token_, session);
  device_.set_parameters(operator_token_, parameters);
}

void TreatmentRunner::arm() {
  wait_for_display_live();
  // From Standby; a pulse or retraction still under way ends first, a host fault is cleared.
  const auto give_up = Clock::now() + std::chrono::seconds(15);
  while (true) {
    const api::Status s = device_.status();
    if (s.state() == api::STATE_READY || s.state() == api::STATE_PAUSED) {
      break;
    }
    if (is_latched(s.state()) && !device_.clear_host_fault() &&
        is_latched(device_.status().state())) {
      throw_latched("cannot arm: ", device_.status());
    }
    if (s.state() == api::STATE_STANDBY) {
      const ApiResponse r = device_.api().post("/api/v1/arm", operator_token_);
      if (r.ok()) {
        break;
      }
      if (r.status != 409 && r.status != 503) {
        throw DeviceError("POST /api/v1/arm: " + r.describe());
      }
    }
    if (Clock::now() > give_up) {
      throw DeviceError("cannot arm: the device stays " + api::State_Name(s.state()));
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  armed_ = true;
}

void TreatmentRunner::throw_latched(const std::string& what, const api::Status& now) const {
  const std::string text = what + api::State_Name(now.state()) + " with fault causes " +
                           names(fault_causes(now)) + "; status " + api_json(now) +
                           "\n--- rfneedled's log ---\n" + device_.daemon_log_tail();
  if (is_host_disturbed(now)) {
    throw HostDisturbed(text, device_.board_worst_late_us());
  }
  throw DeviceError(text);
}

void TreatmentRunner::disarm() {
  armed_ = false;
  // The core refuses a disarm while a pulse is under way (409, "a pulse is under way"): it
  // is asked again once that pulse is over. Refused too when a host fault already left the
  // device disarmed, or latched (run_until() clears that below).
  const auto give_up = Clock::now() + std::chrono::seconds(15);
  while (true) {
    const ApiResponse r = device_.api().post("/api/v1/disarm", operator_token_);
    if (r.ok()) {
      break;
    }
    const api::State state = device_.status().state();
    if (state == api::STATE_STANDBY || is_latched(state)) {
      break;
    }
    if (Clock::now() > give_up) {
      throw DeviceError("cannot disarm: the device stays " + api::State_Name(state) + "; " +
                        r.describe());
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  (void)run_until([](const api::Status& s) { return s.state() == api::STATE_STANDBY; });
}

void TreatmentRunner::note_pulses(const api::Status& s) {
  if (!s.has_last_pulse()) {
    return;
  }
  const api::Pulse& p = s.last_pulse();
  if (p.kind() != api::PULSE_KIND_TREATMENT || p.session_id() != session_id_ ||
      p.outcome() == api::PULSE_OUTCOME_STARTED) {
    return;
  }
  ended_.insert(p.pulse_id());
  if (p.outcome() == api::PULSE_OUTCOME_COMPLETED) {
    completed_.insert(p.pulse_id());
  }
}

api::Status TreatmentRunner::run_until(const std::function<bool(const api::Status&)>& done,
                                       milliseconds limit, const std::set<std::string>& expected) {
  const auto give_up = Clock::now() + limit;
  const std::size_t host_faults_at_start = host_faults();
  bool rearm = false;
  while (true) {
    const std::vector<api::Status> fresh = display_->snapshots(seen_snapshots_);
    seen_snapshots_ += fresh.size();
    for (const api::Status& s : fresh) {
      note_pulses(s);
      if (is_latched(s.state())) {
        const std::set<std::string> causes = fault_causes(s);
        const bool any_expected = std::any_of(causes.begin(), causes.end(),
                                              [&](const auto& c) { return expected.contains(c); });
        if (any_expected) {
          return s;
        }
      }
      if (done(s)) {
        return s;
      }
    }
    if (!fresh.empty() && is_latched(fresh.back().state())) {
      if (!device_.clear_host_fault()) {
        const api::Status now = device_.status();
        if (!is_latched(now.state())) {
          continue;
        }
        const std::set<std::string> causes = fault_causes(now);
        if (std::any_of(causes.begin(), causes.end(),
                        [&](const auto& c) { return expected.contains(c); })) {
          return now;
        }
        throw_latched("an unexpected latch: ", now);
      }
      // Snapshots from before the clear still show the latch: take their pulse records and
      // act on what comes after.
      for (const api::Status& s : display_->snapshots(seen_snapshots_)) {
        note_pulses(s);
        ++seen_snapshots_;
      }
      rearm = armed_;
      continue;
    }
    if (rearm && armed_) {
      const api::Status s = device_.status();
      if (s.state() == api::STATE_STANDBY) {
        device_.arm(operator_token_);
        rearm = false;
      }
    }
    if (Clock::now() > give_up) {
      const api::Status now = device_.status();
      const std::string what = "gave up waiting: state " + api::State_Name(now.state()) + ", " +
                               std::to_string(ended_.size()) + " pulses ended, " +
                               std::to_string(host_faults()) + " host faults; status " +
                               api_json(now) + "\n--- rfneedled's log ---\n" +
                               device_.daemon_log_tail();
      // The time went on clearing the host's faults: the run is the host's, not the test's.
      if (host_faults() > host_faults_at_start) {
        throw HostDisturbed(what, device_.board_worst_late_us());
      }
      throw DeviceError(what);
    }
    if (!device_.daemon().running()) {
      throw DeviceError("rfneedled exited\n--- rfneedled's log ---\n" + device_.daemon_log_tail());
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
}

std::vector<api::Pulse> TreatmentRunner::records() const {
  const api::SessionDetail detail = device_.session(operator_token_, session_id_);
  std::vector<api::Pulse> out;
  for (const api::Pulse& p : detail.pulses()) {
    if (p.kind() == api::PULSE_KIND_TREATMENT && p.outcome() != api::PULSE_OUTCOME_STARTED) {
      out.push_back(p);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const api::Pulse& a, const api::Pulse& b) { return a.pulse_id() < b.pulse_id(); });
  return out;
}

std::vector<std::string> TreatmentRunner::mismatches_with_truth(double tolerance) const {
  return testing::mismatches_with_truth(recorded(records()), device_.history(), baseline_pulse_,
                                        tolerance);
}

std::vector<RecordedPulse> recorded(const std::vector<api::Pulse>& records) {
  std::vector<RecordedPulse> out;
  for (const api::Pulse& p : records) {
    out.push_back(
        {p.pulse_id(), api::PulseOutcome_Name(p.outcome()), p.cause(), p.delivered_energy_uj()});
  }
  return out;
}

std::vector<std::string> mismatches_with_truth(std::vector<RecordedPulse> records,
                                               const SimHistory& history, std::int64_t baseline,
                                               double tolerance) {
  std::sort(records.begin(), records.end(),
            [](const auto& a, const auto& b) { return a.pulse_id < b.pulse_id; });
  std::vector<RecordedPulse> delivered;
  for (const RecordedPulse& p : records) {
    if (p.delivered_energy_uj > 0) {
      delivered.push_back(p);
    }
  }
  std::vector<SimPulse> truth;
  for (const SimPulse& p : history.pulses) {
    if (p.n > baseline && p.rf_off_us) {
      truth.push_back(p);
    }
  }
  std::vector<std::string> out;
  if (delivered.size() != truth.size()) {
    std::ostringstream line;
    line << delivered.size() << " records delivered energy but the simulator delivered "
         << truth.size() << " pulses; records:";
    for (const RecordedPulse& p : delivered) {
      line << " #" << p.pulse_id << " " << p.outcome << " " << p.delivered_energy_uj << " uJ;";
    }
    line << " simulator:";
    for (const SimPulse& p : truth) {
      line << " n" << p.n << " " << p.energy_uj << " uJ;";
    }
    out.push_back(line.str());
    return out;
  }
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const double recorded_uj = static_cast<double>(delivered[i].delivered_energy_uj);
    const double real_uj = static_cast<double>(truth[i].energy_uj);
    if (std::abs(recorded_uj - real_uj) > tolerance * real_uj) {
      std::ostringstream line;
      line << "pulse #" << delivered[i].pulse_id << " (" << delivered[i].outcome << ", cause '"
           << delivered[i].cause << "') recorded " << recorded_uj << " uJ; the simulator's pulse n"
           << truth[i].n << " delivered " << real_uj << " uJ";
      out.push_back(line.str());
    }
  }
  return out;
}

}  // namespace rfneedle::testing
