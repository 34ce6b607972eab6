#include "controller/core/treatment_session.h"

#include "controller/core/treatment_plan.h"

namespace rfneedle::core {
namespace {

constexpr std::size_t kMaxReference = 64;

}  // namespace

Response TreatmentSession::check(const SessionRequest& request, const CartridgeInfo& cartridge,
                                 const CoreConfig& config) {
  if (request.patient_ref.empty() || request.patient_ref.size() > kMaxReference) {
    return Response::invalid("patient_ref", "must be 1 to 64 characters");
  }
  if (request.operator_id.empty() || request.operator_id.size() > kMaxReference) {
    return Response::invalid("operator", "must be 1 to 64 characters");
  }
  const auto area = static_cast<std::size_t>(request.area);
  if (area >= kBodyAreaCount) {
    return Response::invalid("body_area", "unknown body area");
  }
  const CartridgeInfo& c = cartridge;
  if (c.kind == CartridgeKind::kCalibrationFixture) {
    return Response::invalid("cartridge", "a calibration fixture cannot treat");
  }
  if (c.kind != config.presets[area].cartridge) {
    return Response::invalid("cartridge", "wrong cartridge type for this body area");
  }
  if (c.needle_count == 0 || c.pulse_limit == 0) {
    return Response::invalid("cartridge", "needle count and pulse limit must be set");
  }
  if (request.screening.yes.size() != config.screening.size()) {
    return Response::invalid("screening", "must answer every configured screening item");
  }
  if (request.screening.clinician_override && request.screening.override_reason.empty()) {
    return Response::invalid("screening.override_reason", "an override needs a reason");
  }
  return Response::accepted();
}

void TreatmentSession::start(const SessionRequest& request, const CartridgeInfo& cartridge,
                             std::uint64_t id) {
  id_ = id;
  request_ = request;
  cartridge_ = cartridge;
  parameters_.reset();
}

Response TreatmentSession::open(const SessionRequest& request, const CartridgeInfo& cartridge,
                                std::uint64_t id, const CoreConfig& config) {
  if (Response r = check(request, cartridge, config); !r.ok()) {
    return r;
  }
  if (cartridge.bound_session != 0) {
    return Response::invalid("cartridge", "already bound to another session");
  }
  start(request, cartridge, id);
  return Response::accepted();
}

Response TreatmentSession::resume(const SessionRequest& request, const CartridgeInfo& cartridge,
                                  std::uint64_t id, const CoreConfig& config) {
  // SR-89: only the cartridge this session bound, as its memory says, continues it.
  if (cartridge.bound_session != id) {
    return Response::refused(cartridge.bound_session == 0
                                 ? "the attached cartridge is not bound to this session (it "
                                   "is unbound)"
                                 : "the attached cartridge is bound to another session");
  }
  if (request.today > cartridge.expiry_day) {
    return Response::refused("the session's cartridge has expired");
  }
  if (cartridge.pulses_used >= cartridge.pulse_limit) {
    return Response::refused("the session's cartridge is spent (at its pulse limit)");
  }
  if (Response r = check(request, cartridge, config); !r.ok()) {
    return r;
  }
  start(request, cartridge, id);
  return Response::accepted();
}

Response TreatmentSession::change_area(BodyArea area, const CoreConfig& config) {
  if (!is_open()) {
    return Response::refused("no session is open");
  }
  const auto index = static_cast<std::size_t>(area);
  if (index >= kBodyAreaCount) {
    return Response::invalid("area", "unknown body area");
  }
  if (config.presets[index].cartridge != cartridge_.kind) {
    return Response::invalid("area", "the attached cartridge's type does not treat this area");
  }
  request_.area = area;
  if (parameters_ && !validate_parameters(*parameters_, area, cartridge_, config).ok()) {
    parameters_.reset();
  }
  return Response::accepted();
}

Response TreatmentSession::set_parameters(const PulseParameters& parameters,
                                          const CoreConfig& config) {
  if (!is_open()) {
    return Response::refused("no session is open");
  }
  Response r = validate_parameters(parameters, request_.area, cartridge_, config);
  if (!r.ok()) {
    return r;
  }
  parameters_ = parameters;
  return r;
}

Response TreatmentSession::plan_check(const CoreConfig& config) const {
  if (!is_open()) {
    return Response::refused("no session is open");
  }
  if (!parameters_) {
    return Response::refused("no treatment parameters set");
  }
  return validate_parameters(*parameters_, request_.area, cartridge_, config);
}

Response TreatmentSession::arm_check(const CoreConfig& config) const {
  if (Response r = plan_check(config); !r.ok()) {
    return r;
  }
  if (request_.screening.blocks_arming(config.screening)) {
    return Response::refused("screening found a contraindication and no override is recorded");
  }
  return Response::accepted();
}

bool TreatmentSession::cartridge_near_limit(int percent) const {
  if (!is_open()) {
    return false;
  }
  const std::int64_t limit = cartridge_.pulse_limit;
  const std::int64_t left = limit - cartridge_.pulses_used;
  return left > 0 && left * 100 <= limit * percent;
}

}  // namespace rfneedle::core
