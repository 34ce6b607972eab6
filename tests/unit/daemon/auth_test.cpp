#include "controller/daemon/auth.h"

#include <gtest/gtest.h>

namespace rfneedle::daemon {
namespace {

Instant at(Duration d) { return Instant{} + d; }

// The accounts as the daemon looks them up (the store's enabled operators, the configured
// service key): from a list the test may change.
Authenticator::AccountLookup lookup_in(const std::vector<Account>& accounts) {
  return [&accounts](Role role, const std::string& user) -> std::optional<Account> {
    for (const Account& a : accounts) {
      if (a.role == role && (role == Role::kService || a.user == user)) {
        return a;
      }
    }
    return std::nullopt;
  };
}

// Verifies: SR-74
TEST(LoginThrottle, FiveFailuresWait30sThenDoubleUpTo15Minutes) {
  LoginThrottle t;
  Instant now = at(seconds(1000));
  for (int i = 0; i < 4; ++i) {
    t.record_failure("operator:alice", now);
    EXPECT_FALSE(t.refused_for("operator:alice", now)) << "after failure " << i + 1;
  }
  t.record_failure("operator:alice", now);
  EXPECT_EQ(t.refused_for("operator:alice", now), seconds(30));
  EXPECT_EQ(t.refused_for("operator:alice", now + seconds(29)), seconds(1));
  EXPECT_FALSE(t.refused_for("operator:alice", now + seconds(30)));
  Duration expected = seconds(30);
  for (int failure = 6; failure <= 12; ++failure) {
    now += expected;
    t.record_failure("operator:alice", now);
    expected = std::min<Duration>(expected * 2, seconds(900));
    EXPECT_EQ(t.refused_for("operator:alice", now), expected) << "failure " << failure;
  }
  EXPECT_EQ(expected, seconds(900));
}

// Verifies: SR-74
TEST(LoginThrottle, SuccessResetsAndKeysAreIndependent) {
  LoginThrottle t;
  const Instant now = at(seconds(1));
  for (int i = 0; i < 5; ++i) {
    t.record_failure("operator:alice", now);
  }
  EXPECT_TRUE(t.refused_for("operator:alice", now));
  EXPECT_FALSE(t.refused_for("operator:bob", now));
  EXPECT_FALSE(t.refused_for("service:", now));
  t.record_success("operator:alice");
  EXPECT_FALSE(t.refused_for("operator:alice", now));
  for (int i = 0; i < 4; ++i) {
    t.record_failure("operator:alice", now);
  }
  EXPECT_FALSE(t.refused_for("operator:alice", now)) << "the count restarted at zero";
}

TEST(TokenTable, TokensAre256BitHexAndExpire12HoursOr1Hour) {
  TokenTable tokens;
  const Instant now = at(seconds(10));
  const std::string op = tokens.issue(Role::kOperator, "alice", now);
  const std::string svc = tokens.issue(Role::kService, "service", now);
  EXPECT_EQ(op.size(), 64u);
  EXPECT_NE(op, svc);
  EXPECT_EQ(tokens.find(op, now)->user, "alice");
  EXPECT_TRUE(tokens.find(svc, now + seconds(3599)));
  EXPECT_FALSE(tokens.find(svc, now + seconds(3600)));
  EXPECT_TRUE(tokens.find(op, now + seconds(12 * 3600 - 1)));
  EXPECT_FALSE(tokens.find(op, now + seconds(12 * 3600)));
  EXPECT_FALSE(tokens.find(std::string(64, '0'), now));
}

TEST(TokenTable, LogoutEndsATokenAndTheTableIsBounded) {
  TokenTable tokens;
  const std::string first = tokens.issue(Role::kOperator, "a", at(seconds(0)));
  tokens.revoke(first);
  EXPECT_FALSE(tokens.find(first, at(seconds(0))));
  for (std::size_t i = 0; i < TokenTable::kMaxTokens + 5; ++i) {
    (void)tokens.issue(Role::kOperator, "a", at(seconds(static_cast<int>(i))));
  }
  EXPECT_EQ(tokens.size(), TokenTable::kMaxTokens);
}

// Verifies: SR-73
TEST(SecretHash, IsArgon2idWithin16MiBAndVerifies) {
  const std::string hash = hash_secret("482913");
  ASSERT_FALSE(hash.empty());
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u);
  EXPECT_FALSE(check_hash(hash));
  EXPECT_TRUE(verify_secret(hash, "482913"));
  EXPECT_FALSE(verify_secret(hash, "482914"));
}

// Verifies: SR-73
TEST(SecretHash, RefusesPlainTextAndHashesNeedingMoreThan16MiB) {
  EXPECT_TRUE(check_hash("482913"));
  EXPECT_TRUE(check_hash("$argon2i$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA"));
  EXPECT_TRUE(check_hash("$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA"));
  EXPECT_FALSE(check_hash("$argon2id$v=19$m=16384,t=3,p=1$c2FsdA$aGFzaA"));
  EXPECT_FALSE(verify_secret("482913", "482913")) << "a plain-text 'hash' never verifies";
}

// Verifies: SR-73, SR-74
TEST(Authenticator, LogInIssuesATokenAndWrongSecretsAreThrottledPerUser) {
  const std::vector<Account> accounts = {{Role::kOperator, "alice", hash_secret("482913")},
                                         {Role::kService, "", hash_secret("service-key")}};
  Authenticator auth(lookup_in(accounts));
  const Instant now = at(seconds(100));
  auto begun = auth.begin_login(Role::kOperator, "alice", now);
  auto check = std::get<Authenticator::Check>(begun);
  EXPECT_TRUE(check.known);
  const auto token =
      auth.finish_login(check, Role::kOperator, "alice", verify_secret(check.hash, "482913"), now);
  ASSERT_TRUE(token);
  EXPECT_EQ(auth.identify(*token, now)->role, Role::kOperator);
  for (int i = 0; i < 5; ++i) {
    check = std::get<Authenticator::Check>(auth.begin_login(Role::kOperator, "alice", now));
    EXPECT_FALSE(auth.finish_login(check, Role::kOperator, "alice", false, now));
  }
  begun = auth.begin_login(Role::kOperator, "alice", now + seconds(10));
  ASSERT_TRUE(std::holds_alternative<Authenticator::Refused>(begun));
  EXPECT_EQ(std::get<Authenticator::Refused>(begun).retry_after, seconds(20));
  EXPECT_TRUE(std::holds_alternative<Authenticator::Check>(
      auth.begin_login(Role::kService, "", now + seconds(10))));
}

// Verifies: SR-73
TEST(Authenticator, AnUnknownUserCostsAHashCheckAndNeverSucceeds) {
  const std::vector<Account> accounts = {{Role::kOperator, "alice", hash_secret("482913")}};
  Authenticator auth(lookup_in(accounts));
  const auto check =
      std::get<Authenticator::Check>(auth.begin_login(Role::kOperator, "mallory", at({})));
  EXPECT_FALSE(check.known);
  EXPECT_FALSE(check.hash.empty());
  EXPECT_FALSE(auth.finish_login(check, Role::kOperator, "mallory", true, at({})));
}

// Verifies: SR-73
TEST(Authenticator, AnAccountDisabledOrResetDuringTheHashCheckGetsNoToken) {
  std::vector<Account> accounts = {{Role::kOperator, "alice", hash_secret("482913")}};
  Authenticator auth(lookup_in(accounts));
  const Instant now = at(seconds(1));
  auto check = std::get<Authenticator::Check>(auth.begin_login(Role::kOperator, "alice", now));
  accounts.clear();  // disabled: the lookup no longer finds it
  EXPECT_FALSE(auth.finish_login(check, Role::kOperator, "alice", true, now));
  accounts = {{Role::kOperator, "alice", hash_secret("482913")}};
  check = std::get<Authenticator::Check>(auth.begin_login(Role::kOperator, "alice", now));
  accounts[0].secret_hash = hash_secret("999999");  // reset meanwhile
  EXPECT_FALSE(auth.finish_login(check, Role::kOperator, "alice", true, now));
  check = std::get<Authenticator::Check>(auth.begin_login(Role::kOperator, "alice", now));
  EXPECT_TRUE(auth.finish_login(check, Role::kOperator, "alice", true, now));
}

// Verifies: SR-73
TEST(TokenTable, EndingAUsersTokensLeavesEveryoneElses) {
  TokenTable tokens;
  const Instant now = at(seconds(1));
  const std::string alice1 = tokens.issue(Role::kOperator, "alice", now);
  const std::string alice2 = tokens.issue(Role::kOperator, "alice", now);
  const std::string bob = tokens.issue(Role::kOperator, "bob", now);
  const std::string service = tokens.issue(Role::kService, "alice", now);
  EXPECT_EQ(tokens.revoke_user(Role::kOperator, "alice"), 2u);
  EXPECT_FALSE(tokens.find(alice1, now));
  EXPECT_FALSE(tokens.find(alice2, now));
  EXPECT_TRUE(tokens.find(bob, now));
  EXPECT_TRUE(tokens.find(service, now));
}

}  // namespace
}  // namespace rfneedle::daemon
