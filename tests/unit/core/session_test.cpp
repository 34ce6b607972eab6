// Treatment sessions and the envelope (DESIGN 4): who, where, which cartridge, the
// screening checklist, the settings and the idle lock.
#include <gtest/gtest.h>

#include "controller/core/treatment_plan.h"
#include "tests/unit/core/rig.h"

namespace rfneedle::core::testing {
namespace {

const CoreConfig kConfig;

// The position of a built-in screening item by its id.
std::size_t index_of(std::string_view id) {
  const ScreeningItems items = default_screening_items();
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].id == id) {
      return i;
    }
  }
  ADD_FAILURE() << "no screening item " << id;
  return 0;
}

Response validate(const PulseParameters& p, BodyArea area = BodyArea::kCheek,
                  CartridgeInfo c = FakeActuator::face_cartridge()) {
  return validate_parameters(p, area, c, kConfig);
}

// Verifies: SR-01
TEST(Envelope, PowerOutside1To50WIsRefusedNamingThePower) {
  PulseParameters p = Rig::parameters();
  p.power = Milliwatts{999};
  p.duration = milliseconds(10);
  EXPECT_EQ(validate(p).field, "power");
  p.power = watts(1);
  EXPECT_TRUE(validate(p).ok());
  p.power = Milliwatts{50'001};
  EXPECT_EQ(validate(p).field, "power");
}

// Verifies: SR-01
TEST(Envelope, ConductionTimeOutside10To1000msIsRefused) {
  PulseParameters p = Rig::parameters();
  p.power = watts(1);
  p.duration = milliseconds(9);
  EXPECT_EQ(validate(p).field, "duration");
  p.duration = milliseconds(1000);
  EXPECT_TRUE(validate(p).ok());
  p.duration = milliseconds(1001);
  EXPECT_EQ(validate(p).field, "duration");
}

// Verifies: SR-02
TEST(Envelope, EnergyAbove62mJPerNeedleIsRefused) {
  PulseParameters p = Rig::parameters();
  p.power = watts(31);
  p.duration = milliseconds(50);  // 1.55 J: exactly 25 × 62 mJ
  EXPECT_TRUE(validate(p).ok());
  p.power = Milliwatts{31'001};
  EXPECT_FALSE(validate(p).ok());
  CartridgeInfo c49 = FakeActuator::face_cartridge();
  c49.needle_count = 49;
  EXPECT_TRUE(validate(p, BodyArea::kCheek, c49).ok());
}

// Verifies: SR-03
TEST(Envelope, DepthMustBeWithinTheCartridgeTypeInTenthsOfAMillimetre) {
  PulseParameters p = Rig::parameters();
  p.depth_confirmed = true;
  p.depth = Micrometres{400};
  EXPECT_EQ(validate(p).field, "depth");
  p.depth = Micrometres{3500};
  EXPECT_TRUE(validate(p).ok());
  p.depth = Micrometres{3600};
  EXPECT_EQ(validate(p).field, "depth");
  p.depth = Micrometres{2050};
  EXPECT_EQ(validate(p).field, "depth");
  CartridgeInfo body = FakeActuator::body_cartridge();
  p.depth = Micrometres{7000};
  EXPECT_TRUE(validate(p, BodyArea::kThighs, body).ok());
  p.depth = Micrometres{7100};
  EXPECT_EQ(validate(p, BodyArea::kThighs, body).field, "depth");
  body.max_depth = Micrometres{4000};
  p.depth = Micrometres{4100};
  EXPECT_EQ(validate(p, BodyArea::kThighs, body).field, "depth");
}

// Verifies: SR-61
TEST(Envelope, DepthOutsideTheAreasRangeNeedsARecordedConfirmation) {
  Rig rig;
  ASSERT_TRUE(rig.power_on());
  ASSERT_TRUE(rig.core.open_session(Rig::session_request(BodyArea::kForehead), rig.now()).ok());
  PulseParameters p = Rig::parameters();
  p.depth = Micrometres{2000};  // forehead is 1.0–1.5 mm
  EXPECT_EQ(rig.core.set_parameters(p, rig.now()).field, "depth_confirmed");
  p.depth_confirmed = true;
  EXPECT_TRUE(rig.core.set_parameters(p, rig.now()).ok());
  rig.drain();
  bool recorded = false;
  for (const auto& e : rig.events) {
    recorded = recorded || (e.kind == EventKind::kDepthConfirmed && e.value == 2000);
  }
  EXPECT_TRUE(recorded);
}

// Verifies: SR-59
TEST(Session, ArmingNeedsAnOpenSessionAndSettings) {
  Rig rig;
  ASSERT_TRUE(rig.power_on());
  EXPECT_FALSE(rig.core.arm(rig.now()).ok());
  SessionRequest r = Rig::session_request();
  r.patient_ref.clear();
  EXPECT_EQ(rig.core.open_session(r, rig.now()).field, "patient_ref");
  ASSERT_TRUE(rig.core.open_session(Rig::session_request(), rig.now()).ok());
  EXPECT_FALSE(rig.core.arm(rig.now()).ok());
  ASSERT_TRUE(rig.core.set_parameters(Rig::parameters(), rig.now()).ok());
  EXPECT_TRUE(rig.core.arm(rig.now()).ok());
}

// Verifies: SR-60
TEST(Session, AContraindicationBlocksArmingUnlessAClinicianOverridesWithAReason) {
  Rig rig;
  ASSERT_TRUE(rig.power_on());
  SessionRequest r = Rig::session_request();
  r.screening.yes[index_of("pregnancy")] = true;
  ASSERT_TRUE(rig.core.open_session(r, rig.now()).ok());
  ASSERT_TRUE(rig.core.set_parameters(Rig::parameters(), rig.now()).ok());
  EXPECT_FALSE(rig.core.arm(rig.now()).ok());
  ASSERT_TRUE(rig.core.close_session(rig.now()).ok());
  r.screening.clinician_override = true;
  EXPECT_EQ(rig.core.open_session(r, rig.now()).field, "screening.override_reason");
  r.screening.override_reason = "obstetrician consulted, area far from abdomen";
  ASSERT_TRUE(rig.core.open_session(r, rig.now()).ok());
  ASSERT_TRUE(rig.core.set_parameters(Rig::parameters(), rig.now()).ok());
  EXPECT_TRUE(rig.core.arm(rig.now()).ok());
}

// Verifies: SR-60
TEST(Session, EveryContraindicationOfTheConfigurationBlocksArmingAndNoAdvisoryDoes) {
  // A configured checklist: a reworded built-in item, an added contraindication and an
  // added advisory; the core knows none of them by name.
  CoreConfig config;
  config.screening = {
      {"pregnancy", "pregnant or trying", ScreeningKind::kContraindication},
      {"recent_filler", "filler in the area, last 2 weeks", ScreeningKind::kContraindication},
      {"sunburn", "sunburn on the area", ScreeningKind::kAdvisory}};
  for (std::size_t item = 0; item < config.screening.size(); ++item) {
    Rig rig(config);
    ASSERT_TRUE(rig.power_on());
    SessionRequest r = Rig::session_request();
    r.screening = Screening::all_no(config.screening);
    r.screening.yes[item] = true;
    ASSERT_TRUE(rig.core.open_session(r, rig.now()).ok()) << item;
    ASSERT_TRUE(rig.core.set_parameters(Rig::parameters(), rig.now()).ok());
    const bool blocking = config.screening[item].kind == ScreeningKind::kContraindication;
    EXPECT_EQ(rig.core.arm(rig.now()).ok(), !blocking) << config.screening[item].id;
  }
}

// Verifies: SR-59
TEST(Session, TheChecklistMustAnswerEveryConfiguredItem) {
  Rig rig;
  ASSERT_TRUE(rig.power_on());
  SessionRequest r = Rig::session_request();
  r.screening.yes.pop_back();
  EXPECT_EQ(rig.core.open_session(r, rig.now()).field, "screening");
  r.screening.yes.push_back(false);
  r.screening.yes.push_back(false);
  EXPECT_EQ(rig.core.open_session(r, rig.now()).field, "screening");
  EXPECT_TRUE(rig.core.open_session(Rig::session_request(), rig.now()).ok());
}

// Verifies: SR-60
TEST(Session, AnAdvisoryYesWarnsAndIsRecordedWithoutBlocking) {
  Rig rig;
  ASSERT_TRUE(rig.power_on());
  SessionRequest r = Rig::session_request();
  r.screening.yes[index_of("smoking_last_2_weeks")] = true;
  r.screening.yes[index_of("retinol_vitamin_c_or_glycolic_acid")] = true;
  ASSERT_TRUE(rig.core.open_session(r, rig.now()).ok());
  rig.drain();
  std::vector<std::string> advised;
  for (const CoreEvent& e : rig.events) {
    if (e.kind == EventKind::kScreeningAdvisory) {
      EXPECT_EQ(e.severity, Severity::kWarningLow);
      advised.emplace_back(e.detail);
    }
    EXPECT_NE(e.kind, EventKind::kScreeningOverridden);
  }
  EXPECT_EQ(advised, (std::vector<std::string>{"smoking_last_2_weeks",
                                               "retinol_vitamin_c_or_glycolic_acid"}));
  ASSERT_TRUE(rig.core.set_parameters(Rig::parameters(), rig.now()).ok());
  EXPECT_TRUE(rig.core.arm(rig.now()).ok());
}

// Verifies: SR-62
TEST(Session, CartridgeIsBoundToTheSessionAndABoundOneIsRefused) {
  Rig rig;
  rig.boards.act.cartridge.bound_session = 77;
  ASSERT_TRUE(rig.power_on());
  const SessionRequest r = Rig::session_request();
  EXPECT_EQ(rig.core.open_session(r, rig.now()).field, "cartridge");
  rig.boards.act.cartridge.bound_session = 0;
  rig.core.on_cartridge_changed(rig.now());
  rig.drain();
  ASSERT_TRUE(rig.core.open_session(r, rig.now()).ok());
  rig.drain();
  ASSERT_EQ(rig.sent_of<CartridgeBind>().size(), 1u);
  const auto bind = std::get<CartridgeBind>(rig.sent_of<CartridgeBind>()[0].command);
  EXPECT_EQ(bind.session_id, rig.core.status().session_id);
  EXPECT_EQ(bind.today, r.today);
  EXPECT_EQ(rig.core.status().cartridge->bound_session, rig.core.status().session_id);
}

// Verifies: SR-62
// Session IDs continue past the last one the store kept, so after a restart a cartridge
// bound to a session of the earlier process never passes for the new session's.
TEST(Session, SessionIdsContinueAfterARestartSoAnEarlierBindingNeverMatches) {
  Rig rig;
  rig.last_stored_session_id = 1;
  ASSERT_TRUE(rig.ready());
  EXPECT_EQ(rig.core.status().session_id, 2u);
  // The earlier process's session 1 left its cartridge bound to it; fitted mid-session.
  rig.boards.act.cartridge = FakeActuator::face_cartridge();
  rig.boards.act.cartridge.bound_session = 1;
  rig.core.on_cartridge_changed(rig.now());
  rig.drain();
  rig.run(milliseconds(2));
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kBoardSetupRefused));
  EXPECT_EQ(rig.core.state(), State::kPaused);
}

// Verifies: SR-02
TEST(Session, NoSessionOpensBeforeTheCartridgeMemoryWasRead) {
  Rig rig;
  rig.boards.act.cartridge_present = false;
  ASSERT_TRUE(rig.power_on());
  rig.core.on_cartridge_changed(rig.now());  // taken off: nothing is known of it
  EXPECT_FALSE(rig.core.open_session(Rig::session_request(), rig.now()).ok());
}

// Verifies: SR-62
TEST(Session, ABindTheCartridgeRefusesBlocksThePulse) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  // Another cartridge, bound to another session, is attached mid-session.
  rig.boards.act.cartridge = FakeActuator::face_cartridge();
  rig.boards.act.cartridge.bound_session = 99;
  rig.core.on_cartridge_changed(rig.now());
  rig.drain();
  rig.run(milliseconds(2));
  EXPECT_TRUE(rig.core.interlocks().in_effect(Condition::kBoardSetupRefused));
  EXPECT_EQ(rig.core.state(), State::kPaused);
}

// Verifies: SR-02
// The plan was within 62 mJ x 49 needles when it was set; a 25-needle cartridge swapped in
// afterwards lowers the limit below it: no arming and no pulse until a plan within the new
// limit is set.
TEST(Session, ACartridgeWithFewerNeedlesRefusesThePlanSetForTheOldOne) {
  Rig rig;
  rig.boards.act.cartridge.needle_count = 49;
  PulseParameters p = Rig::parameters();
  p.power = watts(25);  // 2.5 J: within 3.038 J, above 1.55 J
  ASSERT_TRUE(rig.ready(p));
  ASSERT_TRUE(rig.core.disarm(rig.now()).ok());
  rig.drain();
  rig.boards.act.cartridge = FakeActuator::face_cartridge();  // 25 needles, unbound
  rig.boards.act.cartridge.serial = CartridgeSerial("1002");
  ASSERT_TRUE(rig.core.swap_cartridge(rig.now()).ok());
  rig.drain();
  rig.run(milliseconds(5));
  ASSERT_EQ(rig.core.status().cartridge->needle_count, 25u);
  EXPECT_FALSE(rig.core.arm(rig.now()).ok());
  rig.drain();
  rig.clear_logs();
  rig.press_and_hold();
  EXPECT_TRUE(rig.sent_of<DeliverPulse>().empty());
  p.power = watts(15);  // 1.5 J
  ASSERT_TRUE(rig.core.set_parameters(p, rig.now()).ok());
  rig.run(milliseconds(20));
  EXPECT_TRUE(rig.core.arm(rig.now()).ok());
}

// Verifies: SR-02
// The same, with the cartridge changed while armed: the press is refused.
TEST(Session, ACartridgeWithFewerNeedlesAttachedWhileArmedGetsNoPulseOfTheOldPlan) {
  Rig rig;
  rig.boards.act.cartridge.needle_count = 49;
  PulseParameters p = Rig::parameters();
  p.power = watts(25);
  ASSERT_TRUE(rig.ready(p));
  rig.boards.act.cartridge = FakeActuator::face_cartridge();
  rig.boards.act.cartridge.serial = CartridgeSerial("1002");
  rig.core.on_cartridge_changed(rig.now());
  rig.drain();
  rig.run(milliseconds(10));
  ASSERT_EQ(rig.core.status().cartridge->needle_count, 25u);
  rig.clear_logs();
  rig.press_and_hold();
  EXPECT_TRUE(rig.sent_of<DeliverPulse>().empty());
}

TEST(Session, ABodyAreaNeedsItsCartridgeTypeAndAFixtureNeverTreats) {
  Rig rig;
  ASSERT_TRUE(rig.power_on());
  const SessionRequest r = Rig::session_request(BodyArea::kThighs);
  EXPECT_EQ(rig.core.open_session(r, rig.now()).field, "cartridge");
  rig.boards.act.cartridge.kind = CartridgeKind::kCalibrationFixture;
  rig.core.on_cartridge_changed(rig.now());
  rig.drain();
  EXPECT_EQ(rig.core.open_session(r, rig.now()).field, "cartridge");
  rig.boards.act.cartridge = FakeActuator::body_cartridge();
  rig.core.on_cartridge_changed(rig.now());
  rig.drain();
  EXPECT_TRUE(rig.core.open_session(r, rig.now()).ok());
}

// Verifies: SR-64
TEST(Session, IdleFor300sDisarmsAndLocksTheScreenKeepingTheSession) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.run(seconds(299));
  EXPECT_EQ(rig.core.state(), State::kReady);
  rig.run(seconds(1) + milliseconds(2));
  EXPECT_EQ(rig.core.state(), State::kStandby);
  EXPECT_TRUE(rig.core.status().screen_locked);
  EXPECT_TRUE(rig.core.status().session_open);
}

// Verifies: SR-64
TEST(Session, LoggingInAgainEndsTheIdleLockAndKeepsTheSession) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.run(seconds(300) + milliseconds(2));
  ASSERT_TRUE(rig.core.status().screen_locked);
  EXPECT_TRUE(rig.core.unlock_screen(rig.now()).ok());
  EXPECT_FALSE(rig.core.status().screen_locked);
  EXPECT_TRUE(rig.core.status().session_open);
  EXPECT_EQ(rig.core.state(), State::kStandby);
}

// Verifies: SR-64
TEST(Session, ATriggerPressCountsAsActivity) {
  Rig rig;
  ASSERT_TRUE(rig.ready());
  rig.run(seconds(200));
  rig.press_and_hold();
  rig.run(seconds(200));
  EXPECT_EQ(rig.core.state(), State::kReady);
}

// Verifies: SR-49
TEST(Stop, BeforeAnyBoardAnsweredItChangesNothingAndRaisesNoFalseFault) {
  Rig rig;
  rig.boards.gen.silent = true;
  rig.boards.act.silent = true;
  rig.run(milliseconds(5));
  (void)rig.core.stop(rig.now());
  rig.drain();
  rig.run(milliseconds(200));
  EXPECT_EQ(rig.core.state(), State::kConnecting);
  EXPECT_EQ(rig.core.status().priority, AlarmPriority::kNone);
  EXPECT_FALSE(rig.sent_of<Heartbeat>().empty());
  for (const Sent& s : rig.sent_of<Heartbeat>()) {
    EXPECT_FALSE(std::get<Heartbeat>(s.command).rf_permitted);
  }
}

}  // namespace
}  // namespace rfneedle::core::testing
