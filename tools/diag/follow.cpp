#include "tools/diag/follow.h"

#include <thread>

#include "tools/diag/diag_time.h"

namespace rfneedle::diag {
namespace {

// rfneedled checks one log-in's hash at a time and answers another 429 with
// retry_after_s 1 meanwhile; a longer wait is SR-74's throttle after failed log-ins.
constexpr std::uint32_t kBusyRetryAfterS = 1;
constexpr int kBusyAttempts = 20;

struct Attempt {
  std::optional<api::LoginResponse> login;  // none: rfneedled did not answer, try later
};

// One log-in from --secret-file, waiting while rfneedled is busy with another; Failure when
// rfneedled refused it.
Attempt log_in_from_file(const Context& c) {
  const Options& o = c.options();
  api::LoginRequest request;
  request.set_role(o.role == "operator" ? api::ROLE_OPERATOR : api::ROLE_SERVICE);
  request.set_user(o.user);
  request.set_secret(c.secret(o.secret_file, ""));
  for (int attempt = 1;; ++attempt) {
    const HttpAnswer answer = c.client().request("POST", "/api/v1/login", to_json(request), {});
    if (answer.status == 200) {
      return {Context::parse<api::LoginResponse>(answer)};
    }
    if (answer.status == 0 || answer.status >= 500) {
      return {};
    }
    api::ErrorBody error;
    const bool busy = answer.status == 429 && from_json(answer.body, error).empty() &&
                      error.retry_after_s() <= kBusyRetryAfterS;
    if (!busy || attempt == kBusyAttempts) {
      throw Failure(exit_for_status(answer.status),
                    "logging in again with --secret-file " + o.secret_file + ": " +
                        describe_error(answer) + "; log in with rfneedle-diag login");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

void Backoff::wait() {
  std::this_thread::sleep_for(next_);
  next_ = std::min(next_ * 2, kLongest);
}

bool token_refused(const std::string& close_reason) {
  // docs/api.md, "The stream": the reasons rfneedled closes a token's stream with.
  for (const char* reason : {"token unknown or expired", "token expired",
                             "the account was disabled", "the account's PIN was reset"}) {
    if (close_reason.find(reason) != std::string::npos) return true;
  }
  return false;
}

FollowLogin::FollowLogin(const Context& c, Need need) : c_(c) {
  try {
    token_ = c.token(need);
  } catch (const Failure& failure) {
    if (failure.code() != Exit::kNotAuthorised || c.options().secret_file.empty()) throw;
    const Attempt attempt = log_in_from_file(c);
    if (!attempt.login) {
      throw Failure(Exit::kUnreachable,
                    "controller unreachable at " + c.client().url().text() + " (log-in)");
    }
    (void)c.tokens().save(*attempt.login);
    token_ = attempt.login->token();
  }
}

Renewal FollowLogin::renew(const std::string& why) {
  const Options& o = c_.options();
  if (o.secret_file.empty()) {
    throw Failure(Exit::kNotAuthorised,
                  "rfneedled no longer accepts the token (" + why +
                      "): a token ends when rfneedled restarts and at its expiry. Log in again "
                      "with rfneedle-diag login and run " +
                      o.command + " again; with --secret-file FILE, " + o.command +
                      " logs in again by itself");
  }
  if (!refusal_reported_) {
    c_.message("-- rfneedled no longer accepts the token (" + why + "); logging in again from " +
               o.secret_file + " --");
    refusal_reported_ = true;
  }
  const Attempt attempt = log_in_from_file(c_);
  if (!attempt.login) {
    return Renewal::kTryLater;
  }
  (void)c_.tokens().save(*attempt.login);
  token_ = attempt.login->token();
  refusal_reported_ = false;
  c_.message("-- logged in again as " + label(attempt.login->role()) + " until " +
             format_utc(from_timestamp(attempt.login->expires_at())) + " --");
  return Renewal::kRenewed;
}

}  // namespace rfneedle::diag
