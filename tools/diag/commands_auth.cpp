// login, logout, stop.
#include "tools/diag/command_context.h"
#include "tools/diag/diag_output.pb.h"
#include "tools/diag/diag_time.h"

namespace rfneedle::diag {

Exit run_login(Context& c) {
  const Options& o = c.options();
  api::LoginRequest request;
  const bool op = o.role == "operator";
  request.set_role(op ? api::ROLE_OPERATOR : api::ROLE_SERVICE);
  if (op) {
    if (o.user.empty()) {
      throw Failure(Exit::kUsage, "--user NAME is needed for the operator role");
    }
    request.set_user(o.user);
  }
  request.set_secret(c.secret(o.secret_file, op ? "PIN for " + o.user : "service key"));
  const auto login = c.post<api::LoginResponse>("/api/v1/login", Need::kNone, request);

  diag::LoginResult result;
  result.set_role(login.role());
  result.set_user(login.user());
  *result.mutable_expires_at() = login.expires_at();
  const std::string problem = c.tokens().save(login);
  result.set_cached(problem.empty());
  if (!problem.empty()) {
    // Not kept anywhere: the caller keeps it (RFNEEDLE_TOKEN).
    result.set_token(login.token());
  }
  const std::string until = format_utc(from_timestamp(login.expires_at()));
  if (o.json) {
    c.json(result);
  } else if (problem.empty()) {
    const bool named = login.role() == api::ROLE_OPERATOR && !login.user().empty();
    c.message("logged in as " + label(login.role()) + (named ? " " + login.user() : "") +
              " until " + until);
  } else {
    c.message("logged in until " + until + "; the token is not cached (" + problem +
              "): pass it as RFNEEDLE_TOKEN");
    c.data(login.token() + "\n");
  }
  return Exit::kOk;
}

Exit run_logout(Context& c) {
  const Options& o = c.options();
  std::vector<api::LoginResponse> logins = c.tokens().all();
  int ended = 0;
  for (const auto& login : logins) {
    const bool wanted = o.logout_role.empty() ||
                        (o.logout_role == "operator") == (login.role() == api::ROLE_OPERATOR);
    if (!wanted) {
      continue;
    }
    const HttpAnswer answer = c.client().request("POST", "/api/v1/logout", "{}", login.token());
    require_answer(answer, c.client().url());
    // 401: the token had already ended (a restart, its expiry); either way it is gone.
    c.tokens().remove(login.role());
    ++ended;
    c.message("logged out " + label(login.role()));
  }
  if (ended == 0) {
    c.message("no cached log-in to end");
  }
  return Exit::kOk;
}

Exit run_stop(Context& c) {
  // SR-76: no token, no confirmation, never refused.
  const auto accepted = c.post<api::Accepted>("/api/v1/stop", Need::kNone);
  if (c.options().json) {
    c.json(accepted);
  } else {
    c.message("STOP sent: any pulse ended, needles retracting, disarmed");
  }
  return Exit::kOk;
}

}  // namespace rfneedle::diag
