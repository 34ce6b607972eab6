#include "tools/diag/command_context.h"

#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace rfneedle::diag {

Context::Context(Options options, ControllerUrl url)
    : options_(std::move(options)),
      style_(Style::detect()),
      client_(url),
      tokens_(TokenCache::from_environment(url)) {}

std::string Context::token(Need need) const {
  const auto cached = [&](api::Role role) -> std::optional<std::string> {
    if (auto login = tokens_.load(role)) {
      return login->token();
    }
    return std::nullopt;
  };
  std::optional<std::string> found;
  switch (need) {
    case Need::kNone:
      return {};
    case Need::kOperator:
      found = cached(api::ROLE_OPERATOR);
      break;
    case Need::kService:
      found = cached(api::ROLE_SERVICE);
      break;
    case Need::kAny:
      found = cached(api::ROLE_SERVICE);
      if (!found) found = cached(api::ROLE_OPERATOR);
      break;
    case Need::kOperatorFirst:
      found = cached(api::ROLE_OPERATOR);
      if (!found) found = cached(api::ROLE_SERVICE);
      break;
  }
  if (found) {
    return *found;
  }
  if (const char* env = std::getenv("RFNEEDLE_TOKEN"); env != nullptr && *env != '\0') {
    return env;
  }
  const char* who = need == Need::kOperator  ? "rfneedle-diag login --role operator --user NAME"
                    : need == Need::kService ? "rfneedle-diag login (the service key)"
                                             : "rfneedle-diag login";
  throw Failure(Exit::kNotAuthorised,
                std::string("not logged in: run ") + who +
                    (tokens_.enabled() ? ""
                                       : " (XDG_RUNTIME_DIR is not set: pass the token as "
                                         "RFNEEDLE_TOKEN)"));
}

void require_answer(const HttpAnswer& answer, const ControllerUrl& url) {
  if (answer.status == 0) {
    throw Failure(Exit::kUnreachable,
                  "controller unreachable at " + url.text() + ": " + answer.transport_error);
  }
}

std::string describe_error(const HttpAnswer& answer) {
  api::ErrorBody error;
  std::string text;
  if (from_json(answer.body, error).empty() && !error.error().empty()) {
    text = error.error();
    if (!error.field().empty()) {
      text += " (" + error.field() + (error.rule().empty() ? "" : ": " + error.rule()) + ")";
    } else if (!error.rule().empty()) {
      text += " (" + error.rule() + ")";
    }
    if (error.has_retry_after_s()) {
      text += "; retry after " + std::to_string(error.retry_after_s()) + " s";
    }
  } else {
    text = answer.body.substr(0, 200);
  }
  const unsigned s = answer.status;
  const char* what = s == 401 || s == 403 ? "not authorised"
                     : s == 423           ? "the screen is locked: log in again"
                     : s == 409           ? "refused by the controller"
                     : s == 400           ? "the controller refused the request"
                     : s == 404           ? "not found"
                                          : "refused by the controller";
  return std::string(what) + " (" + std::to_string(s) + "): " + text;
}

HttpAnswer Context::call(std::string_view method, std::string_view target, Need need,
                         std::string_view body) const {
  const std::string t = token(need);
  HttpAnswer answer = client_.request(method, target, body, t);
  require_answer(answer, client_.url());
  if (answer.status >= 200 && answer.status < 300) {
    return answer;
  }
  std::string text = describe_error(answer);
  if (answer.status == 401 && need != Need::kNone) {
    text += "; log in again (rfneedle-diag login)";
  }
  throw Failure(exit_for_status(answer.status), text);
}

void Context::confirm(const std::string& what) const {
  if (options_.yes) {
    return;
  }
  if (::isatty(STDIN_FILENO) != 1) {
    throw Failure(Exit::kUsage, what + ": confirm with --yes (no terminal to ask on)");
  }
  std::cerr << what << "? [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer != "y" && answer != "Y" && answer != "yes") {
    throw Failure(Exit::kUsage, "not confirmed: nothing changed");
  }
}

std::string Context::secret(const std::string& file, const std::string& prompt) const {
  std::string value;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) {
      throw Failure(Exit::kUsage, "cannot read " + file);
    }
    std::getline(in, value);
  } else {
    if (::isatty(STDIN_FILENO) != 1) {
      throw Failure(Exit::kUsage, prompt + ": no terminal to ask on (use --secret-file)");
    }
    // Echo off before the prompt shows, as getpass(3) does: a secret typed (or pasted) as
    // soon as the prompt appears is never echoed, nor discarded by the switch.
    termios saved{};
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    std::cerr << prompt << ": " << std::flush;
    std::getline(std::cin, value);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << '\n';
  }
  while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) {
    value.pop_back();
  }
  if (value.empty()) {
    throw Failure(Exit::kUsage, (file.empty() ? std::string("the secret") : file) + " is empty");
  }
  return value;
}

void Context::data(const std::string& text) const { std::cout << text << std::flush; }

void Context::json(const google::protobuf::Message& message) const {
  std::cout << to_json(message) << '\n' << std::flush;
}

void Context::message(const std::string& text) const { std::cerr << text << '\n'; }

}  // namespace rfneedle::diag

namespace rfneedle::diag {

std::optional<api::Status> wait_for_snapshot(
    StreamConnection& stream, const std::function<bool(const api::Status&)>& done,
    std::chrono::milliseconds limit, const std::function<void(const api::Event&)>& on_event) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        give_up - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return std::nullopt;
    }
    const auto text = stream.read(left);
    if (!text) {
      return std::nullopt;
    }
    api::StreamServerMessage m;
    if (!from_json(*text, m).empty()) {
      continue;
    }
    if (m.has_event() && on_event) {
      on_event(m.event());
    }
    if (m.has_snapshot() && done(m.snapshot())) {
      return m.snapshot();
    }
  }
}

std::unique_ptr<StreamConnection> open_stream(const Context& c, const std::string& token) {
  auto stream = std::make_unique<StreamConnection>(c.client().url(), token);
  if (!stream->connected()) {
    throw Failure(Exit::kUnreachable, "controller unreachable at " + c.client().url().text() +
                                          " (stream): " + stream->error());
  }
  return stream;
}

}  // namespace rfneedle::diag
