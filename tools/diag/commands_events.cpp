// events: the event log like journalctl, with -f resuming by event ID (GET /events?after_id=
// then the stream's events, each printed once, in ID order).
#include <deque>

#include "tools/diag/command_context.h"
#include "tools/diag/diag_time.h"
#include "tools/diag/follow.h"

namespace rfneedle::diag {
namespace {

constexpr std::uint32_t kPage = 1000;  // the route's largest limit

struct Filter {
  std::optional<WallTime> since;
  std::optional<WallTime> until;
  api::Severity severity = api::SEVERITY_UNSPECIFIED;

  [[nodiscard]] std::string query(std::uint64_t after_id) const {
    std::string q =
        "/api/v1/events?limit=" + std::to_string(kPage) + "&after_id=" + std::to_string(after_id);
    if (since) q += "&since=" + format_utc(*since, true);
    if (until) q += "&until=" + format_utc(*until, true);
    if (severity != api::SEVERITY_UNSPECIFIED) q += "&severity=" + api::Severity_Name(severity);
    return q;
  }
  [[nodiscard]] bool wants(const api::Event& e) const {
    return severity == api::SEVERITY_UNSPECIFIED || e.severity() >= severity;
  }
};

Filter filter_from(const Options& o) {
  Filter f;
  const WallTime now = wall_now();
  if (!o.since.empty()) {
    auto t = parse_time(o.since, now);
    if (!t) throw Failure(Exit::kUsage, "--since " + t.error);
    f.since = *t.value;
  }
  if (!o.until.empty()) {
    if (o.follow) throw Failure(Exit::kUsage, "--until and --follow: a followed log has no end");
    auto t = parse_time(o.until, now);
    if (!t) throw Failure(Exit::kUsage, "--until " + t.error);
    f.until = *t.value;
  }
  if (f.since && f.until && *f.since > *f.until) {
    throw Failure(Exit::kUsage, "--until is before --since");
  }
  if (!o.severity.empty()) {
    std::string name = "SEVERITY_";
    for (char ch : o.severity)
      name += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (!api::Severity_Parse(name, &f.severity)) {
      throw Failure(Exit::kUsage, "--severity: unknown severity '" + o.severity + "'");
    }
  }
  return f;
}

class Printer {
 public:
  explicit Printer(const Context& c) : c_(c) {}
  void print(const api::Event& e) {
    if (c_.options().json || c_.options().output == "json") {
      c_.json(e);
      return;
    }
    const Style& st = c_.style();
    // The severity padded to its longest name ("activity high", "warning high").
    std::string severity = label(e.severity());
    severity.resize(std::max<std::size_t>(severity.size(), 13), ' ');
    std::string line = format_utc(from_timestamp(e.at())) + " " +
                       st.priority(e.priority(), severity) + " " + label(e.kind());
    if (!e.condition().empty()) line += " " + e.condition();
    if (!e.text().empty() && e.text() != e.condition()) line += ": " + e.text();
    if (!e.detail().empty()) line += " (" + e.detail() + ")";
    line += " [" + label(e.state()) + ", #" + std::to_string(e.id()) + "]";
    c_.data(line + "\n");
  }

 private:
  const Context& c_;
};

// Pages through GET /events from after `after_id`; each event to `sink`. Returns the last ID.
template <typename Sink>
std::uint64_t fetch(const Context& c, const Filter& f, std::uint64_t after_id,
                    const std::string& token, Sink&& sink) {
  for (;;) {
    HttpAnswer answer = c.client().request("GET", f.query(after_id), {}, token);
    require_answer(answer, c.client().url());
    if (answer.status != 200) {
      throw Failure(exit_for_status(answer.status), describe_error(answer));
    }
    const auto list = Context::parse<api::EventList>(answer);
    for (const auto& e : list.events()) {
      after_id = std::max(after_id, e.id());
      sink(e);
    }
    if (static_cast<std::uint32_t>(list.events_size()) < kPage) {
      return after_id;
    }
  }
}

}  // namespace

Exit run_events(Context& c) {
  const Options& o = c.options();
  const Filter f = filter_from(o);
  FollowLogin login(c, Need::kAny);
  Printer printer(c);

  // The backlog: everything matching, or the latest N (-f alone: the latest 10, as journalctl).
  const std::size_t keep = o.lines > 0 ? o.lines : (o.follow && !f.since ? 10 : 0);
  std::deque<api::Event> backlog;
  std::uint64_t last = 0;
  const auto collect = [&](const api::Event& e) {
    backlog.push_back(e);
    if (keep > 0 && backlog.size() > keep) backlog.pop_front();
  };
  try {
    last = fetch(c, f, 0, login.token(), collect);
  } catch (const Failure& failure) {
    if (failure.code() != Exit::kNotAuthorised) throw;
    if (login.renew(failure.what()) == Renewal::kTryLater) {
      throw Failure(Exit::kUnreachable, "controller unreachable at " + c.client().url().text());
    }
    backlog.clear();
    last = fetch(c, f, 0, login.token(), collect);
  }
  for (const auto& e : backlog) printer.print(e);
  if (!o.follow) {
    return Exit::kOk;
  }

  // Following: the stream pushes each event as it is stored; after every (re)connection the
  // events stored meanwhile are fetched by ID first, so none is missed or printed twice.
  Backoff backoff;
  bool lost = false;  // a lost connection was reported and not yet regained
  for (;;) {
    StreamConnection stream(c.client().url(), login.token());
    std::string why;
    bool refused = false;  // rfneedled no longer knows the token
    try {
      bool welcomed = false;
      while (!stream.closed()) {
        const auto text = stream.read(std::chrono::seconds(2));
        if (!text) continue;  // timed out, or closed
        api::StreamServerMessage m;
        if (!from_json(*text, m).empty()) continue;
        if (m.has_welcome()) {
          welcomed = true;
          backoff.reset();
          if (lost) c.message("-- reconnected --");
          lost = false;
          last = fetch(c, f, last, login.token(), [&](const api::Event& e) { printer.print(e); });
        } else if (m.has_event() && welcomed && m.event().id() > last) {
          // IDs increase: one newer than the last printed follows it directly, or the gap is
          // fetched first.
          if (m.event().id() > last + 1) {
            last = fetch(c, f, last, login.token(), [&](const api::Event& e) {
              if (e.id() < m.event().id()) printer.print(e);
            });
            last = std::min(last, m.event().id() - 1);
          }
          if (f.wants(m.event())) printer.print(m.event());
          last = m.event().id();
        }
      }
      why = stream.error();
    } catch (const Failure& failure) {
      // The catch-up after a (re)connection found rfneedled gone again, or no longer knowing
      // the token: as if the stream had said so.
      if (failure.code() == Exit::kNotAuthorised) {
        why = failure.what();
        refused = true;
      } else if (failure.code() == Exit::kUnreachable) {
        why = failure.what();
      } else {
        throw;
      }
    }
    if (refused || token_refused(why)) {
      if (login.renew(why) == Renewal::kRenewed) continue;
    } else if (!lost) {
      c.message("-- connection lost (" + why + "); reconnecting --");
      lost = true;
    }
    backoff.wait();
  }
}

}  // namespace rfneedle::diag
