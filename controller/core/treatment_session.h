// One treatment session (DESIGN 4): who, where, which cartridge, the screening checklist,
// and the settings. The core owns exactly one.
#pragma once

#include <optional>

#include "controller/core/core_config.h"
#include "controller/core/response.h"

namespace rfneedle::core {

class TreatmentSession {
 public:
  // `cartridge` is what the cartridge's memory reported, never the request's word.
  [[nodiscard]] Response open(const SessionRequest& request, const CartridgeInfo& cartridge,
                              std::uint64_t id, const CoreConfig& config);
  // An interrupted session again (SR-89): as open, but the cartridge must be the one bound
  // to session `id`, unexpired and not spent.
  [[nodiscard]] Response resume(const SessionRequest& request, const CartridgeInfo& cartridge,
                                std::uint64_t id, const CoreConfig& config);
  void close() { *this = TreatmentSession{}; }
  [[nodiscard]] Response set_parameters(const PulseParameters& parameters,
                                        const CoreConfig& config);
  // Another body area (every pulse stores its area): it must take this cartridge's type;
  // settings no longer valid for it are dropped and must be set again.
  [[nodiscard]] Response change_area(BodyArea area, const CoreConfig& config);
  // What arming needs beyond the interlocks: a session, settings valid for the cartridge
  // attached now, a clear screening.
  [[nodiscard]] Response arm_check(const CoreConfig& config) const;
  // The settings against the envelope, the area and the cartridge attached now: a
  // cartridge swapped in after they were set may allow less (fewer needles, shallower).
  [[nodiscard]] Response plan_check(const CoreConfig& config) const;

  // Until the cartridge answers with its own count.
  void consume_pulse() { ++cartridge_.pulses_used; }
  // The cartridge memory's latest report: the authority on pulses used and binding.
  void update_cartridge(const CartridgeInfo& cartridge) {
    if (is_open()) {
      cartridge_ = cartridge;
    }
  }

  [[nodiscard]] bool is_open() const { return id_ != 0; }
  [[nodiscard]] std::uint64_t id() const { return id_; }
  [[nodiscard]] const SessionRequest& request() const { return request_; }
  [[nodiscard]] const CartridgeInfo& cartridge() const { return cartridge_; }
  [[nodiscard]] const std::optional<PulseParameters>& parameters() const { return parameters_; }

  [[nodiscard]] bool cartridge_expired() const {
    return is_open() && request_.today > cartridge_.expiry_day;
  }
  [[nodiscard]] bool cartridge_at_limit() const {
    return is_open() && cartridge_.pulses_used >= cartridge_.pulse_limit;
  }
  [[nodiscard]] bool cartridge_near_limit(int percent) const;

 private:
  // What open and resume share: the request and the cartridge's type and set-up.
  [[nodiscard]] static Response check(const SessionRequest& request, const CartridgeInfo& cartridge,
                                      const CoreConfig& config);
  void start(const SessionRequest& request, const CartridgeInfo& cartridge, std::uint64_t id);

  std::uint64_t id_ = 0;
  SessionRequest request_;
  CartridgeInfo cartridge_;
  std::optional<PulseParameters> parameters_;
};

}  // namespace rfneedle::core
