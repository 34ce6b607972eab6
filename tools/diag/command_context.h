// What every command of rfneedle-diag works with: the parsed options, the output style, the
// controller's API (typed requests that turn an error answer into the right exit code) and
// the cached log-ins.
#pragma once

#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "proto/api.pb.h"
#include "tools/diag/cli.h"
#include "tools/diag/controller_client.h"
#include "tools/diag/diag_exit.h"
#include "tools/diag/diag_format.h"
#include "tools/diag/diag_json.h"
#include "tools/diag/token_cache.h"

namespace rfneedle::diag {

// Which token a route takes (docs/api.md, "who").
enum class Need { kNone, kOperator, kService, kAny, kOperatorFirst };

class Context {
 public:
  Context(Options options, ControllerUrl url);

  [[nodiscard]] const Options& options() const { return options_; }
  [[nodiscard]] const Style& style() const { return style_; }
  [[nodiscard]] const ControllerClient& client() const { return client_; }
  [[nodiscard]] const TokenCache& tokens() const { return tokens_; }

  // A token for `need`: the cached log-in of that role (for kAny the service one first, for
  // kOperatorFirst the operator one), else $RFNEEDLE_TOKEN. Throws Failure(kNotAuthorised)
  // naming the log-in to make.
  [[nodiscard]] std::string token(Need need) const;

  // The answer to a request, or Failure with the exit code for its status (docs/api.md's
  // ErrorBody in the message: "refused by the controller (409): disarm before closing").
  HttpAnswer call(std::string_view method, std::string_view target, Need need,
                  std::string_view body = {}) const;
  // call() and the body as `M`.
  template <typename M>
  M get(std::string_view target, Need need) const {
    return parse<M>(call("GET", target, need));
  }
  template <typename M>
  M post(std::string_view target, Need need, const google::protobuf::Message& body) const {
    return parse<M>(call("POST", target, need, to_json(body)));
  }
  template <typename M>
  M post(std::string_view target, Need need) const {
    return parse<M>(call("POST", target, need, "{}"));
  }
  template <typename M>
  static M parse(const HttpAnswer& answer) {
    M out;
    if (const std::string why = from_json(answer.body, out); !why.empty()) {
      throw Failure(Exit::kRefused, "the controller's answer is not what the API says: " + why);
    }
    return out;
  }

  // Asks "PROMPT [y/N]" on the terminal unless --yes; throws Failure(kUsage) when declined
  // or when there is no terminal to ask on.
  void confirm(const std::string& what) const;
  // Reads a secret: the first line of `file`, or a prompt on the terminal without echo.
  [[nodiscard]] std::string secret(const std::string& file, const std::string& prompt) const;

  // Data: standard output. Messages: standard error.
  void data(const std::string& text) const;
  void json(const google::protobuf::Message& message) const;
  void message(const std::string& text) const;

 private:
  Options options_;
  Style style_;
  ControllerClient client_;
  TokenCache tokens_;
};

// The message for an error answer: the ErrorBody's error, field and rule.
[[nodiscard]] std::string describe_error(const HttpAnswer& answer);
// Throws Failure(kUnreachable) when nothing answered.
void require_answer(const HttpAnswer& answer, const ControllerUrl& url);

using Command = std::function<Exit(Context&)>;

// The commands, by path ("faults reset"), each defined in a commands_*.cpp.
Exit run_login(Context& c);
Exit run_logout(Context& c);
Exit run_stop(Context& c);
Exit run_status(Context& c);
Exit run_faults(Context& c);
Exit run_faults_ack(Context& c);
Exit run_faults_reset(Context& c);
Exit run_events(Context& c);
Exit run_selftest(Context& c);
Exit run_counters(Context& c);
Exit run_version(Context& c);
Exit run_config_show(Context& c);
Exit run_link_stats(Context& c);
Exit run_operators(Context& c);
Exit run_audit_verify(Context& c);
Exit run_sessions_list(Context& c);
Exit run_sessions_export(Context& c);
Exit run_sim_faults(Context& c);
Exit run_watch(Context& c);
Exit run_calibrate_rf(Context& c);

// Service mode for the commands that need it (selftest, calibrate rf): enters it unless the
// device is already there; true when it entered (so the caller leaves it afterwards).
bool enter_service(Context& c, const std::string& why);
void exit_service(Context& c);

}  // namespace rfneedle::diag

namespace rfneedle::diag {

// Reads the stream until a snapshot satisfies `done` (each event on the way to `on_event`);
// that snapshot, or nothing after `limit` or when the stream ended.
std::optional<api::Status> wait_for_snapshot(
    StreamConnection& stream, const std::function<bool(const api::Status&)>& done,
    std::chrono::milliseconds limit,
    const std::function<void(const api::Event&)>& on_event = nullptr);

// A stream for waiting on the device's snapshots, admitted with `token`; Failure when it
// cannot be opened.
std::unique_ptr<StreamConnection> open_stream(const Context& c, const std::string& token);

}  // namespace rfneedle::diag
