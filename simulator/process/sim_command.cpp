#include "simulator/process/sim_command.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace rfneedle::sim {
namespace {

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
      ++i;
    }
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
      ++i;
    }
    if (i > start) {
      out.push_back(line.substr(start, i - start));
    }
  }
  return out;
}

std::string text(std::string_view v) { return std::string(v); }

std::string parameter_problem(FaultParameterError error, std::string_view name,
                              std::string_view value, const FaultSpec& spec) {
  switch (error) {
    case FaultParameterError::kUnknownName: {
      std::string known;
      for (const auto& p : spec.parameters) {
        known += (known.empty() ? "" : ", ") + text(p.name);
      }
      return text(spec.name) + " has no parameter '" + text(name) + "'" +
             (known.empty() ? " (it takes none)" : " (it takes: " + known + ")");
    }
    case FaultParameterError::kNotANumber:
      return text(name) + "='" + text(value) + "' is not a number";
    case FaultParameterError::kOutOfRange:
      return text(name) + "=" + text(value) + " is outside its range";
    case FaultParameterError::kUnknownChoice:
      return text(name) + "='" + text(value) + "' is not one of its choices";
  }
  return "bad parameter";
}

std::variant<SimCommand, CommandError> parse_inject(const std::vector<std::string_view>& w) {
  if (w.size() < 2) {
    return CommandError{"inject needs a fault name (see 'faults')"};
  }
  auto kind = fault_by_name(w[1]);
  if (!kind) {
    return CommandError{"unknown fault '" + text(w[1]) + "' (see 'faults')"};
  }
  InjectFault inject{FaultParameters(*kind), std::nullopt};
  for (std::size_t i = 2; i < w.size(); ++i) {
    auto eq = w[i].find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return CommandError{"expected NAME=VALUE, got '" + text(w[i]) + "'"};
    }
    auto name = w[i].substr(0, eq);
    auto value = w[i].substr(eq + 1);
    if (name == "for") {
      inject.duration = parse_duration(value);
      if (!inject.duration || *inject.duration <= Duration::zero()) {
        return CommandError{"for='" + text(value) + "' is not a positive duration (e.g. 200ms)"};
      }
      continue;
    }
    if (auto error = inject.parameters.set(name, value)) {
      return CommandError{parameter_problem(*error, name, value, fault_spec(*kind))};
    }
  }
  return SimCommand{inject};
}

template <typename T>
std::variant<SimCommand, CommandError> one_of(
    const std::vector<std::string_view>& w,
    std::initializer_list<std::pair<std::string_view, T>> choices) {
  std::string names;
  for (const auto& [name, value] : choices) {
    if (w.size() == 2 && w[1] == name) {
      return SimCommand{value};
    }
    names += (names.empty() ? "" : " | ") + text(name);
  }
  return CommandError{text(w[0]) + " takes one of: " + names};
}

std::variant<SimCommand, CommandError> parse_cable(const std::vector<std::string_view>& w) {
  const bool plug = w[0] == "plug";
  const std::string usage = plug ? "plug takes generator or actuator"
                                 : "unplug takes generator or actuator, then optionally for=DURATION";
  if (w.size() < 2 || w.size() > (plug ? 2u : 3u) ||
      (w[1] != "generator" && w[1] != "actuator")) {
    return CommandError{usage};
  }
  Cable cable{w[1] == "generator" ? CableBoard::kGenerator : CableBoard::kActuator, plug,
              std::nullopt};
  if (w.size() == 3) {
    if (!w[2].starts_with("for=")) {
      return CommandError{usage};
    }
    const std::string_view value = w[2].substr(4);
    cable.duration = parse_duration(value);
    if (!cable.duration || *cable.duration <= Duration::zero()) {
      return CommandError{"for='" + text(value) + "' is not a positive duration (e.g. 200ms)"};
    }
  }
  return SimCommand{cable};
}

// `meter_due=YYYY-MM-DD` after `cartridge fixture`.
std::variant<SimCommand, CommandError> parse_fixture(std::string_view setting) {
  constexpr std::string_view kKey = "meter_due=";
  const std::string usage = "cartridge fixture takes meter_due=YYYY-MM-DD";
  if (!setting.starts_with(kKey)) {
    return CommandError{usage};
  }
  const std::string_view date = setting.substr(kKey.size());
  int y = 0;
  unsigned m = 0, d = 0;
  const auto number = [&](std::string_view part, auto& out) {
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return ec == std::errc() && end == part.data() + part.size();
  };
  const bool shaped = date.size() == 10 && date[4] == '-' && date[7] == '-' &&
                      number(date.substr(0, 4), y) && number(date.substr(5, 2), m) &&
                      number(date.substr(8, 2), d);
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m},
                                        std::chrono::day{d}};
  if (!shaped || !ymd.ok() || y < 1970) {
    return CommandError{"meter_due='" + text(date) + "' is not a date (YYYY-MM-DD)"};
  }
  return SimCommand{Cartridge{CartridgeAction::kFixture, std::chrono::sys_days{ymd}}};
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view t) {
  std::size_t unit_at = t.find_first_not_of("0123456789.");
  if (unit_at == 0 || unit_at == std::string_view::npos) {
    return std::nullopt;
  }
  double value = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + unit_at, value);
  if (ec != std::errc() || end != t.data() + unit_at || !std::isfinite(value)) {
    return std::nullopt;
  }
  const std::string_view unit = t.substr(unit_at);
  double us_per_unit = 0;
  if (unit == "us") {
    us_per_unit = 1;
  } else if (unit == "ms") {
    us_per_unit = 1e3;
  } else if (unit == "s") {
    us_per_unit = 1e6;
  } else {
    return std::nullopt;
  }
  const double us = value * us_per_unit;
  if (us > 1e15) {  // about 31 years: anything longer is a typing error
    return std::nullopt;
  }
  return Duration(static_cast<Duration::rep>(std::llround(us)));
}

std::variant<SimCommand, CommandError> parse_sim_command(std::string_view line) {
  const auto w = words(line);
  if (w.empty()) {
    return CommandError{"empty request"};
  }
  const std::string_view verb = w[0];
  if (verb == "faults" || verb == "status" || verb == "history") {
    if (w.size() != 1) {
      return CommandError{text(verb) + " takes no arguments"};
    }
    if (verb == "faults") {
      return SimCommand{ListFaults{}};
    }
    return verb == "status" ? SimCommand{Status{}} : SimCommand{History{}};
  }
  if (verb == "inject") {
    return parse_inject(w);
  }
  if (verb == "clear") {
    if (w.size() != 2) {
      return CommandError{"clear takes a fault name or 'all'"};
    }
    if (w[1] == "all") {
      return SimCommand{ClearFault{std::nullopt}};
    }
    auto kind = fault_by_name(w[1]);
    if (!kind) {
      return CommandError{"unknown fault '" + text(w[1]) + "' (see 'faults')"};
    }
    return SimCommand{ClearFault{kind}};
  }
  if (verb == "trigger") {
    return one_of<Trigger>(w, {{"press", {TriggerAction::kPress}},
                               {"release", {TriggerAction::kRelease}},
                               {"tap", {TriggerAction::kTap}}});
  }
  if (verb == "estop") {
    return one_of<Estop>(w, {{"press", {true}}, {"release", {false}}});
  }
  if (verb == "cartridge" && w.size() == 3 && w[1] == "fixture") {
    return parse_fixture(w[2]);
  }
  if (verb == "cartridge") {
    return one_of<Cartridge>(w, {{"swap", {CartridgeAction::kSwap}},
                                 {"remove", {CartridgeAction::kRemove}},
                                 {"fixture", {CartridgeAction::kFixture}}});
  }
  if (verb == "unplug" || verb == "plug") {
    return parse_cable(w);
  }
  return CommandError{"unknown request '" + text(verb) +
                      "' (faults, inject, clear, trigger, estop, cartridge, unplug, plug, status, history)"};
}

std::variant<std::vector<ScenarioStep>, CommandError> parse_scenario(std::string_view text_in,
                                                                     std::string_view file_name) {
  std::vector<ScenarioStep> steps;
  int number = 0;
  std::size_t pos = 0;
  while (pos <= text_in.size()) {
    std::size_t end = text_in.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text_in.size();
    }
    std::string_view line = text_in.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (auto hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    const auto w = words(line);
    if (w.empty()) {
      continue;
    }
    auto where = text(file_name) + ":" + std::to_string(number) + ": ";
    auto at = parse_duration(w[0]);
    if (!at) {
      return CommandError{where + "'" + text(w[0]) +
                          "' is not a time (a step starts with when it runs, e.g. 1.5s)"};
    }
    const auto rest = line.substr(line.find(w[0]) + w[0].size());
    auto command = parse_sim_command(rest);
    if (auto* error = std::get_if<CommandError>(&command)) {
      return CommandError{where + error->message};
    }
    steps.push_back(ScenarioStep{*at, std::get<SimCommand>(command), number});
  }
  std::stable_sort(steps.begin(), steps.end(),
                   [](const ScenarioStep& a, const ScenarioStep& b) { return a.at < b.at; });
  return steps;
}

}  // namespace rfneedle::sim
