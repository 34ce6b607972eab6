// watch: the stream's telemetry summaries, refreshed in place on a terminal, one line per
// summary when piped (or --json: one Telemetry object a line); reconnecting after a lost
// connection and logging in again after a restart of rfneedled (follow.h).
#include "tools/diag/command_context.h"
#include "tools/diag/diag_time.h"
#include "tools/diag/follow.h"

namespace rfneedle::diag {
namespace {

struct Column {
  std::string name;
  std::string header;
  std::function<std::string(const api::Telemetry&)> value;
};

std::string last_milli(const api::FieldStats& f, int decimals) { return milli(f.last(), decimals); }

const std::vector<Column>& columns() {
  static const std::vector<Column> kColumns{
      {"power", "POWER_W", [](const api::Telemetry& t) { return last_milli(t.power_mw(), 2); }},
      {"voltage", "VOLTAGE_V",
       [](const api::Telemetry& t) { return last_milli(t.voltage_mv(), 2); }},
      {"current", "CURRENT_A",
       [](const api::Telemetry& t) { return last_milli(t.current_ma(), 3); }},
      {"impedance", "IMPEDANCE_OHM",
       [](const api::Telemetry& t) { return std::to_string(t.impedance_ohm().last()); }},
      {"energy", "ENERGY_J",
       [](const api::Telemetry& t) { return micro(t.energy_uj().last(), 3); }},
      {"heatsink", "HEATSINK_C",
       [](const api::Telemetry& t) { return last_milli(t.heatsink_mdegc(), 1); }},
      {"skin_a", "SKIN_A_C",
       [](const api::Telemetry& t) { return last_milli(t.skin_temp_a_mdegc(), 2); }},
      {"skin_b", "SKIN_B_C",
       [](const api::Telemetry& t) { return last_milli(t.skin_temp_b_mdegc(), 2); }},
      {"position", "NEEDLE_MM",
       [](const api::Telemetry& t) { return last_milli(t.encoder_position_um(), 2); }},
      {"motor", "MOTOR_A",
       [](const api::Telemetry& t) { return last_milli(t.motor_current_ma(), 3); }},
      {"rf", "RF",
       [](const api::Telemetry& t) { return std::string(t.rf_active() ? "on" : "off"); }},
      {"trigger", "TRIGGER",
       [](const api::Telemetry& t) {
         return std::string(t.trigger_a() ? "A" : "-") + (t.trigger_b() ? "B" : "-");
       }},
      {"cartridge", "CARTRIDGE",
       [](const api::Telemetry& t) { return std::string(t.cartridge_present() ? "yes" : "no"); }},
      {"estop", "ESTOP",
       [](const api::Telemetry& t) { return std::string(t.estop() ? "PRESSED" : "released"); }},
  };
  return kColumns;
}

}  // namespace

Exit run_watch(Context& c) {
  const Options& o = c.options();
  std::vector<const Column*> shown;
  const std::vector<std::string> wanted =
      o.fields.empty() ? std::vector<std::string>{"power",  "impedance", "energy", "skin_a",
                                                  "skin_b", "position",  "rf",     "estop"}
                       : o.fields;
  for (const auto& name : wanted) {
    for (const auto& col : columns()) {
      if (col.name == name) shown.push_back(&col);
    }
  }
  FollowLogin login(c, Need::kAny);
  const bool in_place = c.style().terminal && !o.json;
  std::uint64_t printed = 0;
  bool header_done = false;
  bool admitted_once = false;
  bool lost = false;  // a lost connection was reported and not yet regained
  Backoff backoff;
  // A message below the line refreshed in place, not over it.
  const auto note = [&](const std::string& text) {
    if (in_place && header_done) c.data("\n");
    c.message(text);
  };
  for (;;) {
    StreamConnection stream(c.client().url(), login.token());
    if (!stream.connected() && !admitted_once) {
      throw Failure(Exit::kUnreachable,
                    "controller unreachable at " + c.client().url().text() + ": " + stream.error());
    }
    std::string state = "?";
    while (!stream.closed()) {
      const auto text = stream.read(std::chrono::seconds(5));
      if (!text) continue;  // timed out (keep-alive pings hold the connection) or closed
      api::StreamServerMessage m;
      if (!from_json(*text, m).empty()) continue;
      if (m.has_welcome()) {
        admitted_once = true;
        backoff.reset();
        if (lost) note("-- reconnected --");
        lost = false;
        continue;
      }
      if (m.has_snapshot()) {
        state = label(m.snapshot().state());
        continue;
      }
      if (!m.has_telemetry()) continue;
      const api::Telemetry& t = m.telemetry();
      if (o.json) {
        c.json(t);
      } else {
        std::string line = format_utc(from_timestamp(t.to()), true);
        std::string header = "TIME";
        for (const Column* col : shown) {
          line += (in_place ? "  " : "\t") + col->value(t);
          header += (in_place ? "  " : "\t") + col->header;
        }
        if (in_place) {
          c.data("\r\033[2K" + line + "  [" + state + "]");
        } else {
          if (!header_done) c.data(header + "\tSTATE\n");
          c.data(line + "\t" + state + "\n");
        }
        header_done = true;
      }
      ++printed;
      if (o.count > 0 && printed >= o.count) {
        if (in_place) c.data("\n");
        return Exit::kOk;
      }
    }
    const std::string why = stream.error();
    if (token_refused(why)) {
      if (in_place && header_done) c.data("\n");
      if (login.renew(why) == Renewal::kRenewed) continue;
    } else if (!lost) {
      note("-- connection lost (" + why + "); reconnecting --");
      lost = true;
    }
    backoff.wait();
  }
}

}  // namespace rfneedle::diag
