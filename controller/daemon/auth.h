// Who may do what (SR-73, SR-74): operator accounts (user and PIN) and the service key,
// kept only as Argon2id hashes; log-in throttling; bearer tokens. Sans-I/O: time is
// passed in (the daemon's steady clock, tests' virtual one), the accounts are looked up
// through a function (the store's operators, the configuration's service key) and the
// slow hash check is a plain function the server runs on its worker thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hal/time.h"

namespace rfneedle::daemon {

enum class Role : std::uint8_t { kOperator, kService };

[[nodiscard]] std::string_view name(Role role);

struct Account {
  Role role = Role::kOperator;
  std::string user;         // "" for the service key
  std::string secret_hash;  // crypto_pwhash_str's Argon2id string
};

// Argon2id at 16 MiB and 3 passes: slow enough for a 6-digit PIN to cost an attacker,
// small enough for the device's memory (issue 9: memory limit at most 16 MiB).
inline constexpr std::size_t kHashMemoryBytes = 16u * 1024u * 1024u;
inline constexpr unsigned long long kHashPasses = 3;

// The Argon2id hash of a secret to put in the configuration; empty if libsodium failed.
[[nodiscard]] std::string hash_secret(std::string_view secret);
// Why a configured hash is unusable ("not Argon2id", "memory above 16 MiB"), if it is.
[[nodiscard]] std::optional<std::string> check_hash(std::string_view hash);
// Slow (tens of milliseconds): the worker thread only.
[[nodiscard]] bool verify_secret(std::string_view hash, std::string_view secret);

// SR-74: after 5 consecutive failures, refused for 30 s; each further failure doubles the
// wait up to 15 min; a success resets. Keyed by role and user; attempts while refused
// are not checked and do not count.
class LoginThrottle {
 public:
  static constexpr int kFreeFailures = 5;
  static constexpr Duration kFirstWait = seconds(30);
  static constexpr Duration kMaxWait = seconds(15 * 60);

  // How long the key is still refused, if it is.
  [[nodiscard]] std::optional<Duration> refused_for(const std::string& key, Instant now) const;
  void record_failure(const std::string& key, Instant now);
  void record_success(const std::string& key);

 private:
  struct Entry {
    int failures = 0;
    Instant refused_until{};
  };
  std::map<std::string, Entry> entries_;
};

struct Identity {
  Role role = Role::kOperator;
  std::string user;
  Instant issued{};
  Instant expires{};
};

// Tokens are 256 random bits in hex; only their hash is kept.
class TokenTable {
 public:
  static constexpr Duration kOperatorLifetime = seconds(12 * 3600);
  static constexpr Duration kServiceLifetime = seconds(3600);
  static constexpr std::size_t kMaxTokens = 64;

  // A new token for `role`/`user`; the oldest one goes when kMaxTokens are live.
  [[nodiscard]] std::string issue(Role role, std::string user, Instant now);
  // The identity of a live token; an expired one is removed.
  [[nodiscard]] std::optional<Identity> find(std::string_view token, Instant now);
  void revoke(std::string_view token);
  // Ends every token of `role`/`user` (a disabled account, a PIN reset); how many.
  std::size_t revoke_user(Role role, std::string_view user);
  [[nodiscard]] std::size_t size() const { return tokens_.size(); }

 private:
  std::map<std::string, Identity> tokens_;  // by token hash
};

// The accounts, the throttle and the tokens together. A log-in is two steps so the hash
// check can run elsewhere: begin (throttle, find the account), verify the returned hash
// on the worker, then finish with the result.
class Authenticator {
 public:
  // The account that may log in as `role`/`user` now (`user` is "" for the service role),
  // or nothing: unknown, or disabled.
  using AccountLookup = std::function<std::optional<Account>(Role role, const std::string& user)>;
  // Throws std::runtime_error when libsodium cannot be initialised.
  explicit Authenticator(AccountLookup lookup);

  struct Refused {
    Duration retry_after;
  };
  struct Check {
    std::string key;   // the throttle's key
    std::string hash;  // the account's, or a dummy one for an unknown user (same cost)
    bool known = false;
  };
  [[nodiscard]] std::variant<Refused, Check> begin_login(Role role, const std::string& user,
                                                         Instant now) const;
  // The token for a verified check of an account still as it was at begin_login (not
  // disabled or reset meanwhile), or nothing (the failure counted).
  [[nodiscard]] std::optional<std::string> finish_login(const Check& check, Role role,
                                                        const std::string& user, bool verified,
                                                        Instant now);

  [[nodiscard]] std::optional<Identity> identify(std::string_view token, Instant now) {
    return tokens_.find(token, now);
  }
  void logout(std::string_view token) { tokens_.revoke(token); }
  std::size_t end_tokens_of(Role role, std::string_view user) {
    return tokens_.revoke_user(role, user);
  }
  [[nodiscard]] const LoginThrottle& throttle() const { return throttle_; }

 private:
  AccountLookup lookup_;
  std::string dummy_hash_;
  LoginThrottle throttle_;
  TokenTable tokens_;
};

}  // namespace rfneedle::daemon
