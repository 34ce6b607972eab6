#include "controller/daemon/api_convert.h"

#include <google/protobuf/util/time_util.h>

#include <chrono>

namespace rfneedle::daemon {
namespace {

using google::protobuf::util::TimeUtil;

// Every API enum is the core's enum shifted by one: 0 is *_UNSPECIFIED.
template <typename Api, typename Core>
Api shift(Core value) {
  return static_cast<Api>(static_cast<int>(value) + 1);
}

static_assert(static_cast<int>(core::State::kShuttingDown) + 1 == api::STATE_SHUTTING_DOWN);
static_assert(static_cast<int>(core::Action::kServiceLock) + 1 == api::RUNG_SERVICE_LOCK);
static_assert(static_cast<int>(core::AlarmPriority::kHigh) + 1 == api::ALARM_PRIORITY_HIGH);
static_assert(static_cast<int>(core::ClearPolicy::kServiceReset) + 1 ==
              api::CLEAR_POLICY_SERVICE_RESET);
static_assert(static_cast<int>(core::BodyArea::kLegs) + 1 == api::BODY_AREA_LEGS);
static_assert(static_cast<int>(core::CartridgeKind::kCalibrationFixture) + 1 ==
              api::CARTRIDGE_KIND_CALIBRATION_FIXTURE);
static_assert(static_cast<int>(core::Severity::kFatal) + 1 == api::SEVERITY_FATAL);
static_assert(static_cast<int>(core::EventKind::kSessionInterrupted) + 1 ==
              api::EVENT_KIND_SESSION_INTERRUPTED);
static_assert(static_cast<int>(core::PulseOutcome::kNotDelivered) + 1 ==
              api::PULSE_OUTCOME_NOT_DELIVERED);
static_assert(static_cast<int>(core::PulseKind::kCalibration) + 1 == api::PULSE_KIND_CALIBRATION);

void set_time(google::protobuf::Timestamp* out, WallMs at) {
  *out = TimeUtil::MillisecondsToTimestamp(at);
}

std::int32_t clamp32(std::int64_t v) {
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(
      v, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()));
}

void fill(api::Parameters* out, const core::PulseParameters& p) {
  out->set_depth_um(clamp32(p.depth.value()));
  out->set_power_mw(clamp32(p.power.value()));
  out->set_duration_ms(
      clamp32(std::chrono::duration_cast<std::chrono::milliseconds>(p.duration).count()));
  out->set_depth_confirmed(p.depth_confirmed);
  out->set_planned_energy_uj(p.planned_energy().value());
}

// Day 0 is no date (a failed calibration has no due date; a record from before the
// fixture's serial was kept has no meter date).
std::string date_or_none(std::int32_t day) { return day > 0 ? to_date(day) : ""; }

void fill(api::CalibrationRun* out, const core::CalibrationResult& r) {
  out->set_load_index(r.load_index);
  out->set_passed(r.passed);
  out->set_reason(std::string(r.reason));
  out->set_generator_energy_uj(r.generator_energy.value());
  out->set_reference_energy_uj(r.reference_energy.value());
  out->set_correction_ppm(r.passed ? r.correction_ppm : 0);
}

}  // namespace

std::string to_date(std::int32_t day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

void fill(api::Calibration* out, const core::CalibrationRecord& c) {
  out->set_power_correction_ppm(c.power_correction_ppm);
  out->set_calibrated_on(date_or_none(c.calibrated_day));
  out->set_due_on(date_or_none(c.due_day));
  out->set_record_id(c.record_id);
  out->set_fixture_serial(std::string(c.fixture_serial.view()));
  out->set_fixture_meter_due_on(date_or_none(c.fixture_meter_due_day));
}

api::CalibrationProgress to_api(const core::CalibrationProgress& p) {
  api::CalibrationProgress out;
  out.set_running(p.running);
  out.set_passed(p.passed);
  out.set_failed(p.failed);
  if (p.last) {
    fill(out.mutable_last(), *p.last);
  }
  return out;
}

api::CalibrationRecord to_api(const StoredCalibration& c) {
  api::CalibrationRecord out;
  out.set_id(c.id);
  set_time(out.mutable_at(), c.at);
  out.set_generator_serial(c.generator_serial);
  out.set_passed(c.passed);
  out.set_reason(c.reason);
  out.set_runs_passed(c.runs_passed);
  out.set_runs_failed(c.runs_failed);
  fill(out.mutable_calibration(), c.record);
  return out;
}

std::int32_t to_day(WallMs at) {
  return static_cast<std::int32_t>(
      std::chrono::floor<std::chrono::days>(std::chrono::milliseconds{at}).count());
}

api::Counters to_api(const core::Counters& c) {
  api::Counters out;
  out.set_generator_samples(c.generator_samples);
  out.set_actuator_samples(c.actuator_samples);
  out.set_generator_samples_missed(c.generator_samples_missed);
  out.set_actuator_samples_missed(c.actuator_samples_missed);
  out.set_pulses_delivered(c.pulses_delivered);
  out.set_rejections(c.rejections);
  out.set_output_overflows(c.output_overflows);
  out.set_events_dropped(c.events_dropped);
  for (std::size_t i = 0; i < core::kConditionCount; ++i) {
    if (c.faults_this_session[i] != 0) {
      api::FaultCount* f = out.add_faults_this_session();
      f->set_name(std::string(core::spec(static_cast<core::Condition>(i)).name));
      f->set_count(c.faults_this_session[i]);
    }
  }
  return out;
}

api::LifetimeCounters to_api(const LifetimeCounters& c) {
  api::LifetimeCounters out;
  for (const PulseCount& p : c.pulses) {
    api::PulseCount* n = out.add_pulses();
    n->set_kind(shift<api::PulseKind>(p.kind));
    n->set_outcome(shift<api::PulseOutcome>(p.outcome));
    n->set_pulses(p.pulses);
  }
  out.set_rf_time_us(c.rf_time_us);
  out.set_delivered_energy_uj(c.delivered_energy_uj);
  for (const CartridgeUse& u : c.cartridges) {
    api::CartridgeUse* n = out.add_cartridges();
    n->set_serial(u.serial);
    n->set_sessions(u.sessions);
    n->set_pulses(u.pulses);
    n->set_delivered_energy_uj(u.delivered_energy_uj);
    if (u.last_pulse_at != 0) {
      set_time(n->mutable_last_pulse_at(), u.last_pulse_at);
    }
  }
  for (const ConditionCount& k : c.conditions) {
    api::ConditionCount* n = out.add_conditions();
    n->set_condition(std::string(core::spec(k.condition).name));
    n->set_raised(k.raised);
  }
  return out;
}

api::Pulse to_api(const core::PulseRecord& r) {
  api::Pulse out;
  out.set_pulse_id(r.pulse_id);
  out.set_kind(shift<api::PulseKind>(r.kind));
  out.set_session_id(r.session_id);
  fill(out.mutable_set(), r.set);
  out.set_planned_energy_uj(r.planned_energy.value());
  out.set_delivered_energy_uj(r.delivered_energy.value());
  out.set_rf_time_us(r.rf_time.count());
  out.set_impedance_measured_ohm(clamp32(r.impedance_measured.value()));
  out.set_impedance_min_ohm(clamp32(r.impedance_min.value()));
  out.set_impedance_mean_ohm(clamp32(r.impedance_mean.value()));
  out.set_impedance_max_ohm(clamp32(r.impedance_max.value()));
  out.set_power_peak_mw(clamp32(r.power_peak.value()));
  out.set_skin_peak_mdegc(clamp32(r.skin_peak.value()));
  out.set_heatsink_peak_mdegc(clamp32(r.heatsink_peak.value()));
  out.set_outcome(shift<api::PulseOutcome>(r.outcome));
  if (r.cause) {
    out.set_cause(std::string(core::spec(*r.cause).name));
  }
  return out;
}

api::Pulse to_api(const StoredPulse& p) {
  api::Pulse out = to_api(p.record);
  set_time(out.mutable_started_at(), p.started_at);
  out.set_area(shift<api::BodyArea>(p.area));
  out.set_reconciled(p.reconciled);
  out.set_operator_id(p.operator_id);
  out.set_cartridge_serial(p.cartridge_serial);
  return out;
}

api::OperatorAccount to_api(const OperatorRecord& account) {
  api::OperatorAccount out;
  out.set_user(account.user);
  out.set_disabled(account.disabled);
  set_time(out.mutable_created_at(), account.created_at);
  set_time(out.mutable_changed_at(), account.changed_at);
  return out;
}

api::Status to_api(const core::Status& s, bool boards_simulated,
                   const std::string& store_problem) {
  api::Status out;
  out.set_snapshot_id(s.snapshot_id);
  out.set_state(shift<api::State>(s.state));
  out.set_rung(shift<api::Rung>(s.action));
  out.set_priority(shift<api::AlarmPriority>(s.priority));
  for (std::size_t i = 0; i < core::kConditionCount; ++i) {
    if (!s.in_effect.test(i)) {
      continue;
    }
    const core::ConditionSpec& spec = core::spec(static_cast<core::Condition>(i));
    api::ActiveCondition* c = out.add_conditions();
    c->set_name(std::string(spec.name));
    c->set_rung(shift<api::Rung>(spec.action));
    c->set_priority(shift<api::AlarmPriority>(spec.priority));
    c->set_clear_policy(shift<api::ClearPolicy>(spec.clears));
    c->set_operator_caused(spec.operator_caused);
  }
  api::SessionState* session = out.mutable_session();
  session->set_open(s.session_open);
  session->set_id(s.session_id);
  session->set_area(shift<api::BodyArea>(s.area));
  if (s.parameters) {
    fill(out.mutable_parameters(), *s.parameters);
  }
  if (s.cartridge) {
    const core::CartridgeInfo& c = *s.cartridge;
    api::Cartridge* cart = out.mutable_cartridge();
    cart->set_kind(shift<api::CartridgeKind>(c.kind));
    cart->set_needle_count(c.needle_count);
    cart->set_max_depth_um(clamp32(c.max_depth.value()));
    cart->set_pulse_limit(c.pulse_limit);
    cart->set_pulses_used(c.pulses_used);
    cart->set_pulses_left(c.pulse_limit > c.pulses_used ? c.pulse_limit - c.pulses_used : 0);
    cart->set_expiry_date(to_date(c.expiry_day));
    cart->set_serial(std::string(c.serial.view()));
    cart->set_bound_session(c.bound_session);
  }
  if (s.last_pulse) {
    *out.mutable_last_pulse() = to_api(*s.last_pulse);
  }
  *out.mutable_counters() = to_api(s.counters);
  out.set_screen_locked(s.screen_locked);
  out.set_epoch(s.epoch);
  out.set_last_pulse_id(s.last_pulse_id);
  if (s.calibration) {
    fill(out.mutable_calibration(), *s.calibration);
  }
  out.mutable_self_test()->set_passed(s.self_test.passed);
  out.mutable_self_test()->set_total(s.self_test.total);
  out.mutable_self_test()->set_finished(s.self_test.finished);
  out.set_boards_simulated(boards_simulated);
  *out.mutable_calibration_progress() = to_api(s.calibration_progress);
  out.set_store_problem(store_problem);
  return out;
}

api::Event to_api(const StoredEvent& e) {
  api::Event out;
  out.set_id(e.id);
  set_time(out.mutable_at(), e.at);
  out.set_kind(shift<api::EventKind>(e.kind));
  out.set_severity(shift<api::Severity>(e.severity));
  out.set_priority(shift<api::AlarmPriority>(e.priority));
  if (e.condition) {
    const core::ConditionSpec& spec = core::spec(*e.condition);
    out.set_condition(std::string(spec.name));
    out.set_rung(shift<api::Rung>(spec.action));
    out.set_clear_policy(shift<api::ClearPolicy>(spec.clears));
  }
  out.set_state(shift<api::State>(e.state));
  out.set_text(e.text);
  out.set_detail(e.detail);
  out.set_value(e.value);
  return out;
}

api::SessionSummary to_api(const SessionRecord& s) {
  api::SessionSummary out;
  out.set_id(s.id);
  out.set_patient_ref(s.patient_ref);
  out.set_operator_id(s.operator_id);
  out.set_area(shift<api::BodyArea>(s.area));
  out.set_cartridge_serial(s.cartridge_serial);
  set_time(out.mutable_opened_at(), s.opened_at);
  if (s.closed_at) {
    set_time(out.mutable_closed_at(), *s.closed_at);
  }
  out.set_outcome(s.outcome);
  out.set_software_version(s.software_version);
  out.set_configuration_hash(s.configuration_hash);
  out.set_generator_firmware(s.generator_firmware);
  out.set_generator_serial(s.generator_serial);
  out.set_actuator_firmware(s.actuator_firmware);
  out.set_actuator_serial(s.actuator_serial);
  if (s.calibration) {
    fill(out.mutable_calibration(), *s.calibration);
  }
  out.set_override_reason(s.override_reason);
  out.set_course_reason(s.course_reason);
  return out;
}

std::vector<std::string> default_after_care() {
  return {
      "Do not wash the treated area for the first day.",
      "No make-up for 24 hours.",
      "Use sunscreen and avoid the sun.",
      "No sweating, saunas or intense exercise for 48 hours.",
  };
}

api::Presets to_api_presets(const core::CoreConfig& config,
                            const std::vector<std::string>& after_care) {
  api::Presets out;
  for (std::size_t i = 0; i < core::kBodyAreaCount; ++i) {
    const auto area = static_cast<core::BodyArea>(i);
    const core::AreaPreset& p = config.presets[i];
    api::AreaPreset* a = out.add_areas();
    a->set_area(shift<api::BodyArea>(area));
    a->set_name(std::string(core::name(area)));
    a->set_depth_min_um(clamp32(p.depth_min.value()));
    a->set_depth_max_um(clamp32(p.depth_max.value()));
    a->set_cartridge(shift<api::CartridgeKind>(p.cartridge));
  }
  const core::Envelope& e = config.envelope;
  api::CartridgeType* face = out.add_cartridge_types();
  face->set_kind(api::CARTRIDGE_KIND_FACE);
  face->set_max_depth_um(clamp32(e.face_depth_max.value()));
  api::CartridgeType* body = out.add_cartridge_types();
  body->set_kind(api::CARTRIDGE_KIND_BODY);
  body->set_max_depth_um(clamp32(e.body_depth_max.value()));
  api::Envelope* env = out.mutable_envelope();
  env->set_power_min_mw(clamp32(e.power_min.value()));
  env->set_power_max_mw(clamp32(e.power_max.value()));
  env->set_duration_min_ms(
      clamp32(std::chrono::duration_cast<std::chrono::milliseconds>(e.time_min).count()));
  env->set_duration_max_ms(
      clamp32(std::chrono::duration_cast<std::chrono::milliseconds>(e.time_max).count()));
  env->set_energy_per_needle_uj(e.energy_per_needle.value());
  env->set_depth_min_um(clamp32(e.depth_min.value()));
  env->set_depth_step_um(clamp32(e.depth_step.value()));
  for (const std::string& line : after_care) {
    out.add_after_care(line);
  }
  for (const core::ScreeningItem& configured : config.screening) {
    api::ChecklistItem* item = out.add_checklist();
    item->set_field(configured.id);
    item->set_text(configured.text);
    item->set_kind(configured.kind == core::ScreeningKind::kAdvisory
                       ? api::CHECKLIST_KIND_ADVISORY
                       : api::CHECKLIST_KIND_CONTRAINDICATION);
  }
  return out;
}

}  // namespace rfneedle::daemon
