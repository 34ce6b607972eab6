#include "controller/daemon/auth.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace rfneedle::daemon {
namespace {

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

std::string hex(const unsigned char* bytes, std::size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, size);
  out.pop_back();
  return out;
}

std::string token_hash(std::string_view token) {
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

std::string throttle_key(Role role, std::string_view user, bool known) {
  // Unknown user names share one key, so the table stays as small as the account list.
  return std::string(name(role)) + ":" + (known ? std::string(user) : std::string("\x01unknown"));
}

}  // namespace

std::string_view name(Role role) { return role == Role::kService ? "service" : "operator"; }

std::string hash_secret(std::string_view secret) {
  if (!sodium_ready()) {
    return {};
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, secret.data(), secret.size(), kHashPasses, kHashMemoryBytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return {};
  }
  return out;
}

std::optional<std::string> check_hash(std::string_view hash) {
  constexpr std::string_view kPrefix = "$argon2id$v=19$m=";
  if (hash.substr(0, kPrefix.size()) != kPrefix) {
    return "not an Argon2id hash (crypto_pwhash_str)";
  }
  std::uint64_t kib = 0;
  const char* begin = hash.data() + kPrefix.size();
  auto [end, ec] = std::from_chars(begin, hash.data() + hash.size(), kib);
  if (ec != std::errc{} || end == begin) {
    return "an Argon2id hash without its memory cost";
  }
  // Each log-in allocates what the hash says: a larger one could exhaust the device.
  if (kib * 1024 > kHashMemoryBytes) {
    return "an Argon2id hash needing more than 16 MiB";
  }
  if (hash.size() >= crypto_pwhash_STRBYTES) {
    return "an Argon2id hash too long";
  }
  return std::nullopt;
}

bool verify_secret(std::string_view hash, std::string_view secret) {
  if (!sodium_ready() || check_hash(hash)) {
    return false;
  }
  const std::string terminated(hash);
  return crypto_pwhash_str_verify(terminated.c_str(), secret.data(), secret.size()) == 0;
}

std::optional<Duration> LoginThrottle::refused_for(const std::string& key, Instant now) const {
  const auto it = entries_.find(key);
  if (it == entries_.end() || it->second.refused_until <= now) {
    return std::nullopt;
  }
  return it->second.refused_until - now;
}

void LoginThrottle::record_failure(const std::string& key, Instant now) {
  Entry& e = entries_[key];
  ++e.failures;
  if (e.failures < kFreeFailures) {
    return;
  }
  // The 5th failure waits 30 s, the 6th 60 s, ... up to 15 min.
  const int doublings = std::min(e.failures - kFreeFailures, 10);
  const Duration wait = std::min<Duration>(kFirstWait * (std::int64_t{1} << doublings), kMaxWait);
  e.refused_until = now + wait;
}

void LoginThrottle::record_success(const std::string& key) { entries_.erase(key); }

std::string TokenTable::issue(Role role, std::string user, Instant now) {
  (void)sodium_ready();
  for (auto it = tokens_.begin(); it != tokens_.end();) {
    it = it->second.expires <= now ? tokens_.erase(it) : std::next(it);
  }
  if (tokens_.size() >= kMaxTokens) {
    const auto oldest = std::min_element(tokens_.begin(), tokens_.end(), [](auto& a, auto& b) {
      return a.second.issued < b.second.issued;
    });
    tokens_.erase(oldest);
  }
  unsigned char bytes[32];  // 256 bits (issue 9)
  randombytes_buf(bytes, sizeof bytes);
  std::string token = hex(bytes, sizeof bytes);
  const Duration lifetime = role == Role::kService ? kServiceLifetime : kOperatorLifetime;
  tokens_[token_hash(token)] = Identity{role, std::move(user), now, now + lifetime};
  return token;
}

std::optional<Identity> TokenTable::find(std::string_view token, Instant now) {
  if (token.size() != 64) {
    return std::nullopt;
  }
  const auto it = tokens_.find(token_hash(token));
  if (it == tokens_.end()) {
    return std::nullopt;
  }
  if (it->second.expires <= now) {
    tokens_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void TokenTable::revoke(std::string_view token) { tokens_.erase(token_hash(token)); }

std::size_t TokenTable::revoke_user(Role role, std::string_view user) {
  return std::erase_if(tokens_, [&](const auto& entry) {
    return entry.second.role == role && entry.second.user == user;
  });
}

Authenticator::Authenticator(AccountLookup lookup) : lookup_(std::move(lookup)) {
  if (!sodium_ready()) {
    throw std::runtime_error("libsodium could not be initialised");
  }
  dummy_hash_ = hash_secret("\x01 no such account");
}

std::variant<Authenticator::Refused, Authenticator::Check> Authenticator::begin_login(
    Role role, const std::string& user, Instant now) const {
  const std::string who = role == Role::kService ? "" : user;
  const std::optional<Account> account = lookup_(role, who);
  const bool known = account.has_value();
  Check check{throttle_key(role, who, known), known ? account->secret_hash : dummy_hash_, known};
  if (auto wait = throttle_.refused_for(check.key, now)) {
    return Refused{*wait};
  }
  return check;
}

std::optional<std::string> Authenticator::finish_login(const Check& check, Role role,
                                                       const std::string& user, bool verified,
                                                       Instant now) {
  const std::string who = role == Role::kService ? "" : user;
  const std::optional<Account> account = check.known ? lookup_(role, who) : std::nullopt;
  if (!verified || !account || account->secret_hash != check.hash) {
    throttle_.record_failure(check.key, now);
    return std::nullopt;
  }
  throttle_.record_success(check.key);
  return tokens_.issue(role, role == Role::kService ? "service" : user, now);
}

}  // namespace rfneedle::daemon
