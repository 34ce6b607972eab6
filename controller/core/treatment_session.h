// One treatment session (DESIGN 4): who, where, which cartridge, the screening checklist,
// and the settings. The core owns exactly one.
#pragma once

#include <optional>

#include "controller/core/core_config.h"
#include "controller/core/response.h"

namespace rfneedle::core {

class TreatmentSession {
 public:
  [[nodiscard]] Response open(const SessionRequest& request, std::uint64_t id,
                              const CoreConfig& config);
  void close() { *this = TreatmentSession{}; }
  [[nodiscard]] Response set_parameters(const PulseParameters& parameters,
                                        const CoreConfig& config);
  // What arming needs beyond the interlocks: a session, settings, a clear screening.
  [[nodiscard]] Response arm_check() const;

  void consume_pulse() { ++request_.cartridge.pulses_used; }

  [[nodiscard]] bool is_open() const { return id_ != 0; }
  [[nodiscard]] std::uint64_t id() const { return id_; }
  [[nodiscard]] const SessionRequest& request() const { return request_; }
  [[nodiscard]] const CartridgeInfo& cartridge() const { return request_.cartridge; }
  [[nodiscard]] const std::optional<PulseParameters>& parameters() const { return parameters_; }

  [[nodiscard]] bool cartridge_expired() const {
    return is_open() && request_.today > request_.cartridge.expiry_day;
  }
  [[nodiscard]] bool cartridge_at_limit() const {
    return is_open() && request_.cartridge.pulses_used >= request_.cartridge.pulse_limit;
  }
  [[nodiscard]] bool cartridge_near_limit(int percent) const;

 private:
  std::uint64_t id_ = 0;
  SessionRequest request_;
  std::optional<PulseParameters> parameters_;
};

}  // namespace rfneedle::core
