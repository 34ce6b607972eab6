#include "controller/core/config_loader.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <array>

#include "proto/config.pb.h"

namespace rfneedle::core {
namespace {

namespace pb = rfneedle::config;

class ParseErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) {
      first_ = "line " + std::to_string(line + 1) + ", column " + std::to_string(column + 1) +
               ": " + message;
    }
  }
  [[nodiscard]] const std::string& first() const { return first_; }

 private:
  std::string first_;
};

// Checks each value against its bounds; the first violation wins. `hard` names the side
// the envelope fixes, so the reason says which way the value would widen it.
class Bounds {
 public:
  void at_most(std::string_view field, std::int64_t value, std::int64_t hard,
               std::int64_t sane_min) {
    if (value > hard) {
      fail(field, "widens the hard limit of " + std::to_string(hard));
    } else if (value < sane_min) {
      fail(field, "below the plausible minimum of " + std::to_string(sane_min));
    }
  }
  void at_least(std::string_view field, std::int64_t value, std::int64_t hard,
                std::int64_t sane_max) {
    if (value < hard) {
      fail(field, "widens the hard limit of " + std::to_string(hard));
    } else if (value > sane_max) {
      fail(field, "above the plausible maximum of " + std::to_string(sane_max));
    }
  }
  void require(bool holds, std::string_view field, const std::string& reason) {
    if (!holds) {
      fail(field, reason);
    }
  }
  void require(bool holds, std::string_view field, const char* reason) {
    if (!holds) {
      fail(field, std::string(reason));
    }
  }
  [[nodiscard]] const std::optional<ConfigError>& error() const { return error_; }
  // The entry of the repeated field that the following checks are about (its line is the
  // one reported), or -1 for none.
  void at_entry(int index) { entry_ = index; }

 private:
  void fail(std::string_view field, std::string reason) {
    if (!error_) {
      error_ = ConfigError{std::string(field), std::move(reason), 0, entry_};
    }
  }
  std::optional<ConfigError> error_;
  int entry_ = -1;
};

// The 1-based line of `path` (dotted field names from DeviceConfig; `entry` picks the entry
// of the first repeated field on it) in the parsed text; 0 when the text does not set it.
int line_of(const google::protobuf::TextFormat::ParseInfoTree& root, std::string_view path,
            int entry) {
  const google::protobuf::Descriptor* d = pb::DeviceConfig::descriptor();
  const google::protobuf::TextFormat::ParseInfoTree* tree = &root;
  int line = 0;
  while (!path.empty() && d != nullptr && tree != nullptr) {
    const std::size_t dot = path.find('.');
    const std::string name(path.substr(0, dot));
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
    const google::protobuf::FieldDescriptor* f = d->FindFieldByName(name);
    if (f == nullptr) {
      break;
    }
    int index = -1;
    if (f->is_repeated()) {
      index = entry < 0 ? 0 : entry;
      entry = -1;
    }
    const auto location = tree->GetLocation(f, index);
    if (location.line < 0) {
      break;  // not in the text: a later component cannot be either
    }
    line = location.line + 1;
    d = f->message_type();
    tree = d == nullptr ? nullptr : tree->GetTreeForNested(f, index);
  }
  return line;
}

void check_limits(const pb::DeviceConfig& m, Bounds& b) {
  const auto& s = m.skin();
  b.at_most("skin.warn_mdegc", s.warn_mdegc(), 41'000, 30'000);
  b.at_most("skin.block_mdegc", s.block_mdegc(), 43'000, 30'000);
  b.at_most("skin.cool_down_mdegc", s.cool_down_mdegc(), 40'000, 30'000);
  b.at_most("skin.fault_mdegc", s.fault_mdegc(), 45'000, 30'000);
  b.require(s.warn_mdegc() <= s.block_mdegc() && s.block_mdegc() <= s.fault_mdegc(), "skin",
            "warn <= block <= fault");
  b.require(s.cool_down_mdegc() < s.block_mdegc(), "skin.cool_down_mdegc", "must be below block");

  const auto& t = m.thermistor();
  b.at_least("thermistor.min_mdegc", t.min_mdegc(), 5'000, 20'000);
  b.at_most("thermistor.max_mdegc", t.max_mdegc(), 90'000, 50'000);
  b.at_most("thermistor.rate_window_ms", t.rate_window_ms(), 100, 20);
  // At most 50 °C/s: 50 m°C per millisecond of the window.
  b.at_most("thermistor.max_change_mdegc", t.max_change_mdegc(), 50LL * t.rate_window_ms(), 100);
  b.at_most("thermistor.max_disagreement_mdegc", t.max_disagreement_mdegc(), 3'000, 200);
  b.at_most("thermistor.disagreement_ms", t.disagreement_ms(), 500, 10);
  // More energy or a longer wait only detects a stuck pair later: both bounded above.
  b.at_most("thermistor.stuck_energy_uj", t.stuck_energy_uj(), 10'000'000, 100'000);
  b.at_most("thermistor.stuck_ms", t.stuck_ms(), 10'000, 500);

  const auto& z = m.impedance();
  b.at_least("impedance.min_ohm", z.min_ohm(), 25, 200);
  b.at_most("impedance.max_ohm", z.max_ohm(), 1'500, 300);
  b.at_most("impedance.samples", z.samples(), 2, 1);
  b.at_most("impedance.desiccation_rise_percent", z.desiccation_rise_percent(), 40, 5);
  b.at_least("impedance.reachability_margin_tenths", z.reachability_margin_tenths(), 14, 30);
  b.at_most("impedance.measurement_deadline_ms", z.measurement_deadline_ms(), 50, 5);

  const auto& p = m.power();
  b.at_most("power.deviation_percent", p.deviation_percent(), 20, 2);
  b.at_most("power.ramp_blanking_ms", p.ramp_blanking_ms(), 3, 0);
  b.at_most("power.deviation_ms", p.deviation_ms(), 5, 1);
  b.at_most("power.energy_overrun_percent", p.energy_overrun_percent(), 110, 100);
  b.at_most("power.generator_voltage_limit_mv", p.generator_voltage_limit_mv(), 200'000, 10'000);
  b.at_most("power.rf_on_threshold_mw", p.rf_on_threshold_mw(), 1'000, 50);
  b.at_most("power.rf_uncommanded_samples", p.rf_uncommanded_samples(), 2, 1);
  b.at_most("power.rf_off_deadline_ms", p.rf_off_deadline_ms(), 5, 1);

  const auto& l = m.link();
  b.at_most("link.heartbeat_period_ms", l.heartbeat_period_ms(), 10, 2);
  b.at_most("link.gap_energizing_ms", l.gap_energizing_ms(), 2, 1);
  b.at_most("link.gap_otherwise_ms", l.gap_otherwise_ms(), 20, 2);
  b.at_most("link.pulse_expiry_ms", l.pulse_expiry_ms(), 20, 2);
  b.at_most("link.dead_man_ms", l.dead_man_ms(), 50, 20);
  b.require(2 * l.heartbeat_period_ms() < l.dead_man_ms(), "link.heartbeat_period_ms",
            "two heartbeats must fit in the dead-man time");

  const auto& n = m.needle();
  b.at_most("needle.insert_deadline_ms", n.insert_deadline_ms(), 150, 20);
  b.at_most("needle.retract_deadline_ms", n.retract_deadline_ms(), 150, 20);
  b.at_most("needle.position_tolerance_um", n.position_tolerance_um(), 100, 10);
  b.at_most("needle.encoder_motor_disagreement_um", n.encoder_motor_disagreement_um(), 100, 10);
  b.at_most("needle.disagreement_ms", n.disagreement_ms(), 10, 1);
  b.at_most("needle.retract_retries", n.retract_retries(), 2, 0);
  b.at_most("needle.home_deadline_ms", n.home_deadline_ms(), 5'000, 100);

  b.at_most("trigger.contact_skew_ms", m.trigger().contact_skew_ms(), 20, 5);

  const auto& h = m.heatsink();
  b.at_most("heatsink.warn_mdegc", h.warn_mdegc(), 60'000, 30'000);
  b.at_most("heatsink.fault_mdegc", h.fault_mdegc(), 75'000, 40'000);
  b.require(h.warn_mdegc() < h.fault_mdegc(), "heatsink.warn_mdegc", "must be below fault");

  const auto& se = m.session();
  b.at_most("session.idle_lock_s", se.idle_lock_s(), 300, 30);
  b.at_most("session.display_stale_ms", se.display_stale_ms(), 2'000, 600);
  b.at_least("session.inter_pulse_interval_ms", se.inter_pulse_interval_ms(), 250, 10'000);
  b.at_least("session.cartridge_near_limit_percent", se.cartridge_near_limit_percent(), 10, 50);
  b.at_most("session.faults_before_service_lock", se.faults_before_service_lock(), 3, 1);

  const auto& e = m.envelope();
  b.at_least("envelope.power_min_mw", e.power_min_mw(), 1'000, 50'000);
  b.at_most("envelope.power_max_mw", e.power_max_mw(), 50'000, 1'000);
  b.require(e.power_min_mw() <= e.power_max_mw(), "envelope.power_min_mw", "above power_max_mw");
  b.at_least("envelope.time_min_ms", e.time_min_ms(), 10, 1'000);
  b.at_most("envelope.time_max_ms", e.time_max_ms(), 1'000, 10);
  b.require(e.time_min_ms() <= e.time_max_ms(), "envelope.time_min_ms", "above time_max_ms");
  b.at_most("envelope.energy_per_needle_uj", e.energy_per_needle_uj(), 62'000, 1'000);
  b.at_least("envelope.depth_min_um", e.depth_min_um(), 500, 3'500);
  b.at_most("envelope.face_depth_max_um", e.face_depth_max_um(), 3'500, 500);
  b.at_most("envelope.body_depth_max_um", e.body_depth_max_um(), 7'000, 500);
  b.at_least("envelope.depth_step_um", e.depth_step_um(), 100, 1'000);
  b.require(e.depth_step_um() % 100 == 0, "envelope.depth_step_um", "must be whole 0.1 mm steps");

  const auto& c = m.calibration();
  b.at_most("calibration.max_pulse_energy_uj", c.max_pulse_energy_uj(), 2'000'000, 1'000);
  b.at_most("calibration.tolerance_percent", c.tolerance_percent(), 10, 1);
  b.at_most("calibration.due_after_days", c.due_after_days(), 182, 1);
}

void check_presets(const pb::DeviceConfig& m, Bounds& b) {
  std::array<bool, kBodyAreaCount> seen{};
  const auto& e = m.envelope();
  int entry = 0;
  for (const auto& preset : m.preset()) {
    b.at_entry(entry++);
    const auto area = static_cast<std::size_t>(preset.area());
    b.require(!seen[area], "preset.area", "a body area appears twice");
    seen[area] = true;
    b.require(preset.has_depth_min_um() && preset.has_depth_max_um(), "preset.depth_min_um",
              "a preset needs both depths");
    const int max = preset.cartridge() == pb::BODY ? e.body_depth_max_um() : e.face_depth_max_um();
    b.require(preset.depth_min_um() >= e.depth_min_um(), "preset.depth_min_um",
              "below the envelope's depth");
    b.require(preset.depth_max_um() <= max, "preset.depth_max_um",
              "beyond the cartridge type's depth");
    b.require(preset.depth_min_um() <= preset.depth_max_um(), "preset.depth_min_um",
              "above depth_max_um");
    b.require(preset.depth_min_um() % e.depth_step_um() == 0 &&
                  preset.depth_max_um() % e.depth_step_um() == 0,
              "preset.depth_min_um", "not a multiple of the depth step");
  }
  b.at_entry(-1);
}

bool is_item_id(const std::string& id) {
  if (id.empty() || id.size() > 64) {
    return false;
  }
  for (const char ch : id) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) {
      return false;
    }
  }
  return true;
}

// Configured items replace the DESIGN 4 list: they may reword it and add items, but every
// default contraindication stays, as a contraindication (narrowing, never widening).
void check_screening(const pb::DeviceConfig& m, Bounds& b) {
  const auto& items = m.screening().item();
  for (int i = 0; i < items.size(); ++i) {
    b.at_entry(i);
    const pb::ScreeningItem& item = items.Get(i);
    b.require(is_item_id(item.id()), "screening.item.id",
              "must be 1 to 64 of a-z, 0-9 and _");
    b.require(!item.text().empty() && item.text().size() <= 200, "screening.item.text",
              "must be 1 to 200 bytes");
    for (int j = 0; j < i; ++j) {
      b.require(items.Get(j).id() != item.id(), "screening.item.id",
                "'" + item.id() + "' appears twice");
    }
  }
  b.at_entry(-1);
  if (items.empty()) {
    return;  // the defaults
  }
  for (const ScreeningItem& d : default_screening_items()) {
    if (d.kind != ScreeningKind::kContraindication) {
      continue;
    }
    bool kept = false;
    for (const pb::ScreeningItem& item : items) {
      kept = kept || (item.id() == d.id && item.kind() == pb::CONTRAINDICATION);
    }
    b.require(kept, "screening.item",
              "the contraindication '" + d.id + "' can be reworded, never removed or made advisory");
  }
}

Duration ms(std::int64_t v) { return milliseconds(v); }

CoreConfig to_core(const pb::DeviceConfig& m) {
  CoreConfig c;
  const auto& s = m.skin();
  c.skin = {MilliCelsius{s.warn_mdegc()}, MilliCelsius{s.block_mdegc()},
            MilliCelsius{s.cool_down_mdegc()}, MilliCelsius{s.fault_mdegc()}};
  const auto& t = m.thermistor();
  c.thermistor = {MilliCelsius{t.min_mdegc()},
                  MilliCelsius{t.max_mdegc()},
                  MilliCelsius{t.max_change_mdegc()},
                  ms(t.rate_window_ms()),
                  MilliCelsius{t.max_disagreement_mdegc()},
                  ms(t.disagreement_ms()),
                  Microjoules{t.stuck_energy_uj()},
                  ms(t.stuck_ms())};
  const auto& z = m.impedance();
  c.impedance = {Ohms{z.min_ohm()},
                 Ohms{z.max_ohm()},
                 z.samples(),
                 z.desiccation_rise_percent(),
                 z.reachability_margin_tenths(),
                 ms(z.measurement_deadline_ms())};
  const auto& p = m.power();
  c.power = {p.deviation_percent(),
             ms(p.ramp_blanking_ms()),
             ms(p.deviation_ms()),
             p.energy_overrun_percent(),
             Millivolts{p.generator_voltage_limit_mv()},
             Milliwatts{p.rf_on_threshold_mw()},
             p.rf_uncommanded_samples(),
             ms(p.rf_off_deadline_ms())};
  const auto& l = m.link();
  c.link = {ms(l.heartbeat_period_ms()), ms(l.gap_energizing_ms()), ms(l.gap_otherwise_ms()),
            ms(l.pulse_expiry_ms()), ms(l.dead_man_ms())};
  const auto& n = m.needle();
  c.needle = {ms(n.insert_deadline_ms()),
              ms(n.retract_deadline_ms()),
              Micrometres{n.position_tolerance_um()},
              Micrometres{n.encoder_motor_disagreement_um()},
              ms(n.disagreement_ms()),
              n.retract_retries(),
              ms(n.home_deadline_ms())};
  c.trigger = {ms(m.trigger().contact_skew_ms())};
  c.heatsink = {MilliCelsius{m.heatsink().warn_mdegc()}, MilliCelsius{m.heatsink().fault_mdegc()}};
  const auto& se = m.session();
  c.session = {seconds(se.idle_lock_s()), ms(se.display_stale_ms()),
               ms(se.inter_pulse_interval_ms()), se.cartridge_near_limit_percent(),
               se.faults_before_service_lock()};
  const auto& e = m.envelope();
  c.envelope = {Milliwatts{e.power_min_mw()},
                Milliwatts{e.power_max_mw()},
                ms(e.time_min_ms()),
                ms(e.time_max_ms()),
                Microjoules{e.energy_per_needle_uj()},
                Micrometres{e.depth_min_um()},
                Micrometres{e.face_depth_max_um()},
                Micrometres{e.body_depth_max_um()},
                Micrometres{e.depth_step_um()}};
  const auto& cal = m.calibration();
  c.calibration = {Microjoules{cal.max_pulse_energy_uj()}, cal.tolerance_percent(),
                   cal.due_after_days()};
  for (const auto& preset : m.preset()) {
    c.presets[static_cast<std::size_t>(preset.area())] = {
        Micrometres{preset.depth_min_um()}, Micrometres{preset.depth_max_um()},
        preset.cartridge() == pb::BODY ? CartridgeKind::kBody : CartridgeKind::kFace};
  }
  if (!m.screening().item().empty()) {
    c.screening.clear();
    for (const pb::ScreeningItem& item : m.screening().item()) {
      c.screening.push_back({item.id(), item.text(),
                             item.kind() == pb::ADVISORY ? ScreeningKind::kAdvisory
                                                         : ScreeningKind::kContraindication});
    }
  }
  return c;
}

hal::HandshakePolicy to_policy(const pb::BoardAcceptance& m) {
  hal::HandshakePolicy policy;
  policy.allow_simulated = m.allow_simulated();
  if (m.firmware_version().empty()) {
    policy.accepted_firmware_versions.assign(std::begin(kVerifiedFirmwareVersions),
                                             std::end(kVerifiedFirmwareVersions));
  } else {
    policy.accepted_firmware_versions.assign(m.firmware_version().begin(),
                                             m.firmware_version().end());
  }
  return policy;
}

void check_boards(const pb::BoardAcceptance& m, Bounds& b) {
  for (const std::string& version : m.firmware_version()) {
    // HandshakeReply.firmware_version holds 1..24 bytes (device.proto).
    b.require(!version.empty() && version.size() <= 24, "boards.firmware_version",
              "must be 1 to 24 bytes, as a board reports it");
  }
}

}  // namespace

ConfigLoad load_config(std::string_view text) {
  pb::DeviceConfig message;
  google::protobuf::TextFormat::Parser parser;
  ParseErrors errors;
  parser.RecordErrorsTo(&errors);
  google::protobuf::TextFormat::ParseInfoTree locations;
  parser.WriteLocationsTo(&locations);
  if (!parser.ParseFromString(std::string(text), &message)) {
    return {std::nullopt,
            {},
            {"(text)", errors.first().empty() ? "not valid text format" : errors.first()}};
  }
  Bounds bounds;
  check_limits(message, bounds);
  if (!bounds.error()) {
    check_presets(message, bounds);  // relies on a sound envelope (depth step > 0)
  }
  check_screening(message, bounds);
  hal::HandshakePolicy boards = to_policy(message.boards());
  check_boards(message.boards(), bounds);
  if (bounds.error()) {
    ConfigError e = *bounds.error();
    e.line = line_of(locations, e.field, e.entry);
    return {std::nullopt, {}, std::move(e)};
  }
  return {to_core(message), std::move(boards), {}};
}

}  // namespace rfneedle::core
