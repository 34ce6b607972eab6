// An interrupted session resumed with its bound cartridge (SR-89): a session a crash left
// open continues after the restart, with the cartridge its memory says is bound to it, so
// a crash does not cost a cartridge mid-patient; nothing else continues it.
#include <gtest/gtest.h>

#include "tests/unit/core/rig.h"

namespace rfneedle::core::testing {
namespace {

constexpr std::uint64_t kInterrupted = 4;

// After a restart: the store's last session was 4, the crash left its cartridge bound.
struct Restarted {
  Rig rig;
  Restarted() {
    rig.last_stored_session_id = kInterrupted;
    rig.boards.act.cartridge.bound_session = kInterrupted;
  }
};

// Verifies: SR-89
TEST(SessionResume, TheBoundCartridgeContinuesTheInterruptedSessionAndArms) {
  Restarted r;
  ASSERT_TRUE(r.rig.power_on());
  Rig& rig = r.rig;
  const SessionRequest request = Rig::session_request();
  // Opening a new session with it is refused (SR-62): it is bound to session 4.
  EXPECT_EQ(rig.core.open_session(request, rig.now()).field, "cartridge");

  ASSERT_TRUE(rig.core.resume_session(request, kInterrupted, rig.now()).ok());
  rig.drain();
  EXPECT_EQ(rig.core.status().session_id, kInterrupted);
  const auto binds = rig.sent_of<CartridgeBind>();
  ASSERT_EQ(binds.size(), 1u);
  EXPECT_EQ(std::get<CartridgeBind>(binds[0].command).session_id, kInterrupted);
  EXPECT_EQ(std::get<CartridgeBind>(binds[0].command).today, request.today);
  rig.run(milliseconds(5));
  ASSERT_TRUE(rig.core.set_parameters(Rig::parameters(), rig.now()).ok());
  ASSERT_TRUE(rig.core.arm(rig.now()).ok());
  rig.drain();
  EXPECT_TRUE(rig.run_until_state(State::kReady, milliseconds(50)));
  // The next new session still takes an ID after every stored one.
  EXPECT_EQ(rig.core.status().session_id, kInterrupted);
}

// Verifies: SR-89
TEST(SessionResume, ACartridgeNotBoundToThatSessionIsRefused) {
  Restarted r;
  Rig& rig = r.rig;
  rig.boards.act.cartridge.bound_session = 0;  // a fresh cartridge
  ASSERT_TRUE(rig.power_on());
  Response refused = rig.core.resume_session(Rig::session_request(), kInterrupted, rig.now());
  EXPECT_EQ(refused.code, ResponseCode::kExecutionError);
  EXPECT_NE(refused.reason.find("not bound to this session"), std::string_view::npos)
      << refused.reason;
  rig.boards.act.cartridge.bound_session = 3;  // another session's
  rig.core.on_cartridge_changed(rig.now());
  rig.drain();
  refused = rig.core.resume_session(Rig::session_request(), kInterrupted, rig.now());
  EXPECT_NE(refused.reason.find("bound to another session"), std::string_view::npos)
      << refused.reason;
  EXPECT_EQ(rig.core.status().session_id, 0u);
  EXPECT_TRUE(rig.sent_of<CartridgeBind>().empty());
}

// Verifies: SR-89
TEST(SessionResume, AnExpiredOrSpentBoundCartridgeIsRefused) {
  Restarted r;
  Rig& rig = r.rig;
  ASSERT_TRUE(rig.power_on());
  SessionRequest late = Rig::session_request();
  late.today = rig.boards.act.cartridge.expiry_day + 1;
  Response refused = rig.core.resume_session(late, kInterrupted, rig.now());
  EXPECT_NE(refused.reason.find("expired"), std::string_view::npos) << refused.reason;

  rig.boards.act.cartridge.pulses_used = rig.boards.act.cartridge.pulse_limit;
  rig.core.on_cartridge_changed(rig.now());
  rig.drain();
  refused = rig.core.resume_session(Rig::session_request(), kInterrupted, rig.now());
  EXPECT_NE(refused.reason.find("spent"), std::string_view::npos) << refused.reason;
  EXPECT_EQ(rig.core.status().session_id, 0u);
}

// Verifies: SR-89
TEST(SessionResume, OnlyInStandbyWithNoSessionOpenAndOnlyAnEarlierSession) {
  Restarted r;
  Rig& rig = r.rig;
  ASSERT_TRUE(rig.power_on());
  // An ID this core has not given yet: no stored session can have it.
  EXPECT_NE(rig.core.resume_session(Rig::session_request(), kInterrupted + 1, rig.now())
                .reason.find("no earlier session"),
            std::string_view::npos);
  EXPECT_FALSE(rig.core.resume_session(Rig::session_request(), 0, rig.now()).ok());
  ASSERT_TRUE(rig.core.resume_session(Rig::session_request(), kInterrupted, rig.now()).ok());
  rig.drain();
  EXPECT_EQ(rig.core.resume_session(Rig::session_request(), kInterrupted, rig.now()).reason,
            "a session is already open");
  ASSERT_TRUE(rig.core.set_parameters(Rig::parameters(), rig.now()).ok());
  rig.run(milliseconds(5));
  ASSERT_TRUE(rig.core.arm(rig.now()).ok());
  rig.drain();
  ASSERT_TRUE(rig.run_until_state(State::kReady, milliseconds(50)));
  EXPECT_EQ(rig.core.resume_session(Rig::session_request(), kInterrupted, rig.now()).reason,
            "a session resumes only in Standby");
}

}  // namespace
}  // namespace rfneedle::core::testing
