// What a following command (watch, events -f) needs to outlive a restart of rfneedled, as
// `journalctl -f` outlives a log rotation: the wait between reconnections, and a log-in that
// is renewed from --secret-file when rfneedled no longer knows the token (every token ends
// when rfneedled restarts, and at its expiry: docs/api.md, "Log-in").
//
// The display's hello needs no token, but it is the touchscreen's: a second display
// connection replaces the first, and only the display's heartbeat keeps the touchscreen
// "live" (SR-78). So a following command always streams with a token.
#pragma once

#include <chrono>
#include <string>

#include "tools/diag/command_context.h"

namespace rfneedle::diag {

// The wait before the next reconnection: 200 ms, doubling up to 2 s, back to 200 ms once a
// connection is admitted.
class Backoff {
 public:
  void wait();
  void reset() { next_ = kFirst; }

 private:
  static constexpr std::chrono::milliseconds kFirst{200};
  static constexpr std::chrono::milliseconds kLongest{2000};
  std::chrono::milliseconds next_ = kFirst;
};

// Whether a stream's close reason (StreamConnection::error()) is rfneedled refusing its
// token: unknown (rfneedled restarted), expired, or ended with its account.
[[nodiscard]] bool token_refused(const std::string& close_reason);

enum class Renewal { kRenewed, kTryLater };

class FollowLogin {
 public:
  // The token `need` takes (Context::token); without one, a log-in from --secret-file when
  // it was given. Throws Failure as Context::token does, or when that log-in fails.
  FollowLogin(const Context& c, Need need);

  [[nodiscard]] const std::string& token() const { return token_; }

  // rfneedled refused the token (`why`: the stream's close reason or the answer's error).
  // Says so on standard error once for each lost log-in and logs in again from
  // --secret-file. kTryLater when rfneedled did not answer (it is still starting): the
  // caller waits and reconnects. Throws Failure(kNotAuthorised) naming `rfneedle-diag login`
  // when there is no --secret-file or rfneedled refused its secret.
  Renewal renew(const std::string& why);

 private:
  const Context& c_;
  std::string token_;
  bool refusal_reported_ = false;
};

}  // namespace rfneedle::diag
