// The configuration may narrow the hard envelope, never widen it (SR-67); a bad one is
// refused as a whole, naming the field.
#include "controller/core/config_loader.h"

#include <gtest/gtest.h>

namespace rfneedle::core {
namespace {

// Verifies: SR-67
TEST(ConfigLoader, AnEmptyConfigurationGivesTheDesignDefaults) {
  const ConfigLoad load = load_config("");
  ASSERT_TRUE(load.ok()) << load.error.field << ": " << load.error.reason;
  const CoreConfig& c = *load.config;
  EXPECT_EQ(c.skin.fault, celsius(45));
  EXPECT_EQ(c.impedance.max, Ohms{1500});
  EXPECT_EQ(c.envelope.power_max, watts(50));
  EXPECT_EQ(c.envelope.energy_per_needle, millijoules(62));
  EXPECT_EQ(c.session.idle_lock, seconds(300));
  EXPECT_EQ(c.presets[static_cast<int>(BodyArea::kForehead)].depth_max, Micrometres{1500});
  EXPECT_EQ(c.thermistor.stuck_energy, millijoules(3000));
  EXPECT_EQ(c.thermistor.stuck_time, seconds(3));
}

// Verifies: SR-67
TEST(ConfigLoader, NarrowingIsAccepted) {
  const ConfigLoad load = load_config(R"(
    skin { fault_mdegc: 44000 }
    envelope { power_max_mw: 30000 }
    session { idle_lock_s: 120 }
    thermistor { stuck_energy_uj: 10000000 stuck_ms: 10000 }
    preset { area: CHEEK depth_min_um: 1500 depth_max_um: 2500 cartridge: FACE }
  )");
  ASSERT_TRUE(load.ok()) << load.error.field << ": " << load.error.reason;
  EXPECT_EQ(load.config->skin.fault, celsius(44));
  EXPECT_EQ(load.config->envelope.power_max, watts(30));
  EXPECT_EQ(load.config->session.idle_lock, seconds(120));
  EXPECT_EQ(load.config->thermistor.stuck_energy, millijoules(10'000));
  EXPECT_EQ(load.config->thermistor.stuck_time, seconds(10));
  EXPECT_EQ(load.config->presets[static_cast<int>(BodyArea::kCheek)].depth_max, Micrometres{2500});
}

struct Widening {
  const char* text;
  const char* field;
};

class WideningIsRefused : public ::testing::TestWithParam<Widening> {};

// Verifies: SR-67
TEST_P(WideningIsRefused, NamingTheField) {
  const ConfigLoad load = load_config(GetParam().text);
  EXPECT_FALSE(load.ok());
  EXPECT_EQ(load.error.field, GetParam().field) << load.error.reason;
  EXPECT_FALSE(load.error.reason.empty());
}

INSTANTIATE_TEST_SUITE_P(
    HardEnvelope, WideningIsRefused,
    ::testing::Values(
        Widening{"envelope { power_max_mw: 50001 }", "envelope.power_max_mw"},
        Widening{"envelope { energy_per_needle_uj: 62001 }", "envelope.energy_per_needle_uj"},
        Widening{"envelope { time_max_ms: 1001 }", "envelope.time_max_ms"},
        Widening{"envelope { body_depth_max_um: 7100 }", "envelope.body_depth_max_um"},
        Widening{"skin { fault_mdegc: 45001 }", "skin.fault_mdegc"},
        Widening{"impedance { min_ohm: 24 }", "impedance.min_ohm"},
        Widening{"impedance { max_ohm: 1501 }", "impedance.max_ohm"},
        Widening{"link { dead_man_ms: 51 }", "link.dead_man_ms"},
        Widening{"link { pulse_expiry_ms: 21 }", "link.pulse_expiry_ms"},
        Widening{"session { inter_pulse_interval_ms: 249 }", "session.inter_pulse_interval_ms"},
        Widening{"session { idle_lock_s: 301 }", "session.idle_lock_s"},
        Widening{"heatsink { fault_mdegc: 76000 }", "heatsink.fault_mdegc"},
        Widening{"thermistor { max_change_mdegc: 5001 }", "thermistor.max_change_mdegc"},
        Widening{"thermistor { stuck_energy_uj: 10000001 }", "thermistor.stuck_energy_uj"},
        Widening{"thermistor { stuck_ms: 10001 }", "thermistor.stuck_ms"},
        Widening{"calibration { max_pulse_energy_uj: 2000001 }", "calibration.max_pulse_energy_uj"},
        Widening{"preset { area: NOSE depth_min_um: 1000 depth_max_um: 3600 }",
                 "preset.depth_max_um"}));

// Verifies: SR-67
TEST(ConfigLoader, InconsistentValuesAreRefused) {
  EXPECT_EQ(load_config("skin { warn_mdegc: 41000 block_mdegc: 40000 cool_down_mdegc: 39000 }")
                .error.field,
            "skin");
  EXPECT_EQ(load_config("preset { area: NECK depth_min_um: 1000 depth_max_um: 1000 } "
                        "preset { area: NECK depth_min_um: 1000 depth_max_um: 1500 }")
                .error.field,
            "preset.area");
}

// The built-in screening items as configuration text, then `more` inside `screening`.
std::string screening_text(const std::string& drop, const std::string& more) {
  std::string text = "screening {\n";
  for (const ScreeningItem& item : default_screening_items()) {
    if (item.id == drop) continue;
    text += "  item { id: \"" + item.id + "\" text: \"" + item.text + "\" kind: " +
            (item.kind == ScreeningKind::kAdvisory ? "ADVISORY" : "CONTRAINDICATION") + " }\n";
  }
  return text + more + "}\n";
}

// Verifies: SR-59
TEST(ConfigLoader, TheScreeningItemsAreConfigurationWithTheDesignListAsDefault) {
  const ConfigLoad defaults = load_config("");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults.config->screening.size(), 15u);
  const ConfigLoad added = load_config(screening_text(
      "", "  item { id: \"recent_filler\" text: \"filler in the area\" }\n"
          "  item { id: \"sunburn\" text: \"sunburn on the area\" kind: ADVISORY }\n"));
  ASSERT_TRUE(added.ok()) << added.error.field << ": " << added.error.reason;
  ASSERT_EQ(added.config->screening.size(), 17u);
  EXPECT_EQ(added.config->screening[15].id, "recent_filler");
  EXPECT_EQ(added.config->screening[15].kind, ScreeningKind::kContraindication);
  EXPECT_EQ(added.config->screening[16].kind, ScreeningKind::kAdvisory);
  // An advisory item may be dropped; the new areas' presets are configuration too.
  EXPECT_TRUE(load_config(screening_text("smoking_last_2_weeks", "")).ok());
  const ConfigLoad scalp = load_config("preset { area: SCALP depth_min_um: 500 depth_max_um: 1000 }");
  ASSERT_TRUE(scalp.ok());
  EXPECT_EQ(scalp.config->presets[static_cast<int>(BodyArea::kScalp)].depth_max, Micrometres{1000});
  EXPECT_EQ(defaults.config->presets[static_cast<int>(BodyArea::kLegs)].cartridge,
            CartridgeKind::kBody);
}

// Verifies: SR-67
TEST(ConfigLoader, AContraindicationCannotBeRemovedOrMadeAdvisory) {
  ConfigLoad load = load_config(screening_text("diabetes", ""));
  EXPECT_EQ(load.error.field, "screening.item");
  EXPECT_NE(load.error.reason.find("'diabetes'"), std::string::npos) << load.error.reason;
  load = load_config(screening_text(
      "diabetes", "  item { id: \"diabetes\" text: \"diabetes\" kind: ADVISORY }\n"));
  EXPECT_EQ(load.error.field, "screening.item");
  // A bad entry names its own line.
  load = load_config(screening_text("", "  item { id: \"Bad Id\" text: \"x\" }\n"));
  EXPECT_EQ(load.error.field, "screening.item.id");
  EXPECT_EQ(load.error.line, 17);
  load = load_config(screening_text("", "  item { id: \"pregnancy\" text: \"again\" }\n"));
  EXPECT_EQ(load.error.field, "screening.item.id");
  EXPECT_NE(load.error.reason.find("appears twice"), std::string::npos);
  load = load_config(screening_text("", "  item { id: \"empty\" }\n"));
  EXPECT_EQ(load.error.field, "screening.item.text");
}

// Verifies: SR-67
TEST(ConfigLoader, TextThatDoesNotParseIsRefusedWithItsPosition) {
  const ConfigLoad load = load_config("skin { warn_mdegc: \"hot\" }");
  EXPECT_FALSE(load.ok());
  EXPECT_EQ(load.error.field, "(text)");
  EXPECT_NE(load.error.reason.find("line 1"), std::string::npos) << load.error.reason;
  EXPECT_FALSE(load_config("no_such_field: 1").ok());
}

// Verifies: SR-41
TEST(ConfigLoader, BoardsAreAcceptedByFirmwareVersionAndSimulatedOnlyWhenAllowed) {
  const ConfigLoad defaults = load_config("");
  ASSERT_TRUE(defaults.ok());
  EXPECT_FALSE(defaults.boards.allow_simulated);
  EXPECT_EQ(defaults.boards.accepted_firmware_versions, std::vector<std::string>{"sim-1.0.0"});

  const ConfigLoad demo = load_config(
      R"(boards { firmware_version: "2.1.0" firmware_version: "2.1.1" allow_simulated: true })");
  ASSERT_TRUE(demo.ok()) << demo.error.field << ": " << demo.error.reason;
  EXPECT_TRUE(demo.boards.allow_simulated);
  EXPECT_EQ(demo.boards.accepted_firmware_versions, (std::vector<std::string>{"2.1.0", "2.1.1"}));

  EXPECT_EQ(load_config(R"(boards { firmware_version: "" })").error.field,
            "boards.firmware_version");
  EXPECT_EQ(load_config(R"(boards { firmware_version: "1234567890123456789012345" })").error.field,
            "boards.firmware_version");
}

}  // namespace
}  // namespace rfneedle::core
