// rfneedle-diag's exit codes (docs/operations.md, "rfneedle-diag"; listed in --help).
#pragma once

#include <stdexcept>
#include <string>

namespace rfneedle::diag {

enum class Exit : int {
  kOk = 0,
  kCheckFailed = 1,    // a self-test check, a calibration run, the audit chain
  kUsage = 2,          // bad command line, or input the controller refused as malformed (400, 404)
  kNotAuthorised = 3,  // no log-in, an ended token, a role that may not (401, 403, 423)
  kUnreachable = 4,    // no answer from the controller
  kRefused = 5,        // the controller refused (409, 429, 5xx)
};

// The exit code for an HTTP status the controller answered with (not 2xx).
[[nodiscard]] Exit exit_for_status(unsigned status);

// What ends a command: its message goes to standard error, its code is the exit status.
class Failure : public std::runtime_error {
 public:
  Failure(Exit code, const std::string& message) : std::runtime_error(message), code_(code) {}
  [[nodiscard]] Exit code() const { return code_; }

 private:
  Exit code_;
};

inline constexpr const char* kExitCodesHelp =
    "Exit codes: 0 ok, 1 check failed, 2 usage, 3 not authorised, 4 controller unreachable,\n"
    "5 refused by the controller.";

}  // namespace rfneedle::diag
