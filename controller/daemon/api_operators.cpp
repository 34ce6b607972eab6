// The operators' accounts (issue 10): individual user names and PINs, kept in the store,
// created, reset, disabled and enabled by the service role (SR-73). Every change is a
// mutating request, so it is audited like any other (api_audit.cpp). A disabled account,
// or one whose PIN was reset, loses its tokens and its stream connections at once.
#include "controller/daemon/api_convert.h"
#include "controller/daemon/api_json.h"
#include "controller/daemon/api_service.h"
#include "controller/daemon/operator_names.h"

namespace rfneedle::daemon {
namespace {

HttpResponse refused(unsigned status, std::string what, std::string field, std::string rule) {
  return error_response(status, error_body(std::move(what), std::move(field), std::move(rule)));
}

std::optional<HttpResponse> check_user(const std::string& user) {
  if (!is_operator_name(user)) {
    return refused(400, user.empty() ? "missing" : "not a user name", "user",
                   std::string(kOperatorNameRule));
  }
  return std::nullopt;
}

std::optional<HttpResponse> check_pin(const std::string& pin) {
  if (!is_pin(pin)) {
    return refused(400, pin.empty() ? "missing" : "not a PIN", "pin", std::string(kPinRule));
  }
  return std::nullopt;
}

HttpResponse no_such_operator() {
  return refused(404, "no such operator", "user", "an operator of GET /service/operators");
}

HttpResponse store_refused() {
  return refused(503, "the store refused the change", "", "a writable store");
}

HttpResponse account_response(const OperatorRecord& account) {
  return {200, to_json(to_api(account))};
}

}  // namespace

void ApiService::seed_operators() {
  for (const OperatorSeed& seed : options_.initial_operators) {
    if (!is_operator_name(seed.user)) {
      throw std::invalid_argument("accounts.operator.user: '" + seed.user + "' is not " +
                                  std::string(kOperatorNameRule));
    }
    if (auto why = check_hash(seed.pin_hash)) {
      throw std::invalid_argument("accounts.operator '" + seed.user + "': pin_hash: " + *why);
    }
  }
  // Only a store without operators is seeded: afterwards the service role manages them,
  // and the configuration's accounts change nothing.
  if (options_.initial_operators.empty() || !store_.operators().empty()) {
    return;
  }
  const WallMs now = options_.wall_now();
  for (const OperatorSeed& seed : options_.initial_operators) {
    if (!store_.add_operator({seed.user, seed.pin_hash, false, now, now})) {
      throw std::invalid_argument("accounts.operator '" + seed.user +
                                  "': the store refused the account");
    }
    AuditEntry entry;
    entry.at = now;
    entry.role = "configuration";
    entry.route = "accounts.operator";
    entry.parameters = R"({"user":")" + seed.user + R"("})";
    entry.result = "created";
    if (!store_.append_audit(entry)) {
      throw std::invalid_argument("accounts.operator '" + seed.user +
                                  "': the audit log could not be written");
    }
  }
}

std::optional<Account> ApiService::find_account(Role role, const std::string& user) {
  if (role == Role::kService) {
    if (options_.service_key_hash.empty()) {
      return std::nullopt;
    }
    return Account{Role::kService, "", options_.service_key_hash};
  }
  const std::optional<OperatorRecord> account = store_.find_operator(user);
  if (!account || account->disabled) {
    return std::nullopt;
  }
  return Account{Role::kOperator, account->user, account->pin_hash};
}

HttpResponse ApiService::list_operators() {
  api::OperatorList out;
  for (const OperatorRecord& account : store_.operators()) {
    *out.add_operators() = to_api(account);
  }
  return {200, to_json(out)};
}

void ApiService::create_operator(const HttpRequest& request, const Respond& respond) {
  api::CreateOperatorRequest body;
  if (auto e = parse_json(request.body, body)) {
    return respond(error_response(400, *e));
  }
  if (auto e = check_user(body.user())) {
    return respond(*e);
  }
  if (auto e = check_pin(body.pin())) {
    return respond(*e);
  }
  if (store_.find_operator(body.user())) {
    return respond(refused(409, "an operator with this user name exists", "user",
                           "a new user name (reset or enable the existing account)"));
  }
  auto hash = std::make_shared<std::string>();
  const bool started = worker_.try_run(
      [hash, pin = body.pin()] {
        *hash = hash_secret(pin);
        return !hash->empty();
      },
      [this, alive = std::weak_ptr<int>(alive_), hash, user = body.user(), respond](bool hashed) {
        if (alive.expired()) {
          return;
        }
        if (!hashed) {
          return respond(refused(500, "the PIN could not be hashed", "pin", "Argon2id"));
        }
        const WallMs now = options_.wall_now();
        const OperatorRecord account{user, *hash, false, now, now};
        if (!store_.add_operator(account)) {
          return respond(store_.find_operator(user)
                             ? refused(409, "an operator with this user name exists", "user",
                                       "a new user name")
                             : store_refused());
        }
        respond(account_response(account));
      });
  if (!started) {
    api::ErrorBody e = error_body("busy hashing another secret", "", "one at a time");
    e.set_retry_after_s(1);
    respond(error_response(429, e));
  }
}

void ApiService::reset_operator(const HttpRequest& request, std::string user,
                                const Respond& respond) {
  api::ResetOperatorRequest body;
  if (auto e = parse_json(request.body, body)) {
    return respond(error_response(400, *e));
  }
  if (auto e = check_pin(body.pin())) {
    return respond(*e);
  }
  if (!store_.find_operator(user)) {
    return respond(no_such_operator());
  }
  auto hash = std::make_shared<std::string>();
  const bool started = worker_.try_run(
      [hash, pin = body.pin()] {
        *hash = hash_secret(pin);
        return !hash->empty();
      },
      [this, alive = std::weak_ptr<int>(alive_), hash, user, respond](bool hashed) {
        if (alive.expired()) {
          return;
        }
        if (!hashed) {
          return respond(refused(500, "the PIN could not be hashed", "pin", "Argon2id"));
        }
        std::optional<OperatorRecord> account = store_.find_operator(user);
        if (!account) {
          return respond(no_such_operator());
        }
        account->pin_hash = *hash;
        account->changed_at = options_.wall_now();
        if (!store_.update_operator(*account)) {
          return respond(store_refused());
        }
        // Whoever held the old PIN is logged out.
        (void)auth_.end_tokens_of(Role::kOperator, user);
        end_sessions_of(user, "the account's PIN was reset");
        respond(account_response(*account));
      });
  if (!started) {
    api::ErrorBody e = error_body("busy hashing another secret", "", "one at a time");
    e.set_retry_after_s(1);
    respond(error_response(429, e));
  }
}

HttpResponse ApiService::set_operator_disabled(const std::string& user, bool disabled) {
  std::optional<OperatorRecord> account = store_.find_operator(user);
  if (!account) {
    return no_such_operator();
  }
  if (account->disabled != disabled) {
    account->disabled = disabled;
    account->changed_at = options_.wall_now();
    if (!store_.update_operator(*account)) {
      return store_refused();
    }
  }
  if (disabled) {
    (void)auth_.end_tokens_of(Role::kOperator, user);
    end_sessions_of(user, "the account was disabled");
  }
  return account_response(*account);
}

void ApiService::end_sessions_of(const std::string& user, const std::string& reason) {
  // A copy: closing removes peers.
  const std::vector<Peer> peers = peers_;
  for (const Peer& p : peers) {
    if (p.role == api::ROLE_OPERATOR && p.user == user) {
      stream_closed(*p.peer);
      p.peer->close(reason);
    }
  }
}

}  // namespace rfneedle::daemon
