#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/campaign/campaign.h"

namespace rfneedle::campaign {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char by) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(s);
  while (std::getline(in, field, by)) out.push_back(trim(field));
  return out;
}

std::optional<core::AlarmPriority> priority_by_name(const std::string& name) {
  for (const auto p : {core::AlarmPriority::kNone, core::AlarmPriority::kLow,
                       core::AlarmPriority::kMedium, core::AlarmPriority::kHigh}) {
    if (core::name(p) == name) return p;
  }
  return std::nullopt;
}

const char* parameter_error(sim::FaultParameterError e) {
  switch (e) {
    case sim::FaultParameterError::kUnknownName:
      return "no such parameter";
    case sim::FaultParameterError::kNotANumber:
      return "not a number";
    case sim::FaultParameterError::kOutOfRange:
      return "outside the parameter's range";
    case sim::FaultParameterError::kUnknownChoice:
      return "not one of the parameter's choices";
  }
  return "?";
}

// "pulse=W/ms": the pulse the operator's press asks for, within the envelope (1-50 W,
// 10-1000 ms) and the default cartridge's 25 needles x 62 mJ.
bool parse_pulse(const std::string& text, Pair& pair, std::string& error) {
  int w = 0, ms = 0;
  char end = 0;
  if (std::sscanf(text.c_str(), "%d/%d%c", &w, &ms, &end) != 2 || w < 1 || w > 50 || ms < 10 ||
      ms > 1000 || static_cast<std::int64_t>(w) * ms > 25 * 62) {
    error = "pulse '" + text + "' is not W/ms within 1-50 W, 10-1000 ms and 1.55 J";
    return false;
  }
  pair.pulse_power = Milliwatts{static_cast<std::int64_t>(w) * 1000};
  pair.pulse_time = milliseconds(ms);
  return true;
}

// "FAULT name=value ...": the catalogue's fault with those parameters.
std::optional<sim::FaultParameters> parse_fault(const std::string& text, Pair& pair,
                                                std::string& error) {
  std::istringstream in(text);
  std::string word;
  in >> word;
  const std::optional<sim::FaultKind> kind = sim::fault_by_name(word);
  if (!kind) {
    error = "unknown fault '" + word + "' (not in simulator/faults.cpp's catalogue)";
    return std::nullopt;
  }
  sim::FaultParameters p(*kind);
  while (in >> word) {
    const auto eq = word.find('=');
    if (eq == std::string::npos) {
      error = "fault parameter '" + word + "' is not name=value";
      return std::nullopt;
    }
    if (word.substr(0, eq) == "after") {
      int ms = -1;
      char end = 0;
      if (std::sscanf(word.c_str() + eq + 1, "%d%c", &ms, &end) != 1 || ms < 0 || ms > 150) {
        error = "after '" + word.substr(eq + 1) + "' is not a number of ms from 0 to 150";
        return std::nullopt;
      }
      pair.earliest = milliseconds(ms);
      continue;
    }
    if (word.substr(0, eq) == "pulse") {
      if (!parse_pulse(word.substr(eq + 1), pair, error)) return std::nullopt;
      continue;
    }
    if (const auto e = p.set(word.substr(0, eq), word.substr(eq + 1))) {
      error = "fault parameter '" + word + "': " + parameter_error(*e);
      return std::nullopt;
    }
  }
  return p;
}

bool parse_deadline(const std::string& text, Pair& pair) {
  if (text == "none") {
    pair.deadline_from = DeadlineFrom::kNone;
    return true;
  }
  int ms = 0;
  char rest[64] = {};
  if (std::sscanf(text.c_str(), "%d ms after the %63s", &ms, rest) != 2 || ms <= 0) return false;
  const std::string from = rest;
  if (from == "condition") {
    pair.deadline_from = DeadlineFrom::kCondition;
  } else if (from == "injection") {
    pair.deadline_from = DeadlineFrom::kInjection;
  } else {
    return false;
  }
  pair.deadline = milliseconds(ms);
  return true;
}

bool parse_line(const std::string& line, Pair& pair, std::string& error) {
  const std::vector<std::string> f = split(line, '|');
  if (f.size() < 3) {
    error = "expected 'fault | state | included ...' or 'fault | state | excluded | reason'";
    return false;
  }
  const std::optional<sim::FaultParameters> fault = parse_fault(f[0], pair, error);
  if (!fault) return false;
  pair.fault = *fault;
  pair.fault_text = f[0];
  const std::optional<core::State> state = state_by_name(f[1]);
  if (!state) {
    error = "unknown state '" + f[1] + "'";
    return false;
  }
  pair.state = *state;
  if (f[2] == "excluded") {
    if (f.size() != 4 || f[3].size() < 10) {
      error = "an excluded pair needs its reason in the fourth field";
      return false;
    }
    pair.excluded_reason = f[3];
    return true;
  }
  if (f[2] != "included") {
    error = "third field '" + f[2] + "' is neither 'included' nor 'excluded'";
    return false;
  }
  if (f.size() != 7 && f.size() != 8) {
    error =
        "an included pair needs 'conditions | priority | end states | deadline' "
        "[| known defect: ...]";
    return false;
  }
  pair.included = true;
  for (const std::string& c : split(f[3], ',')) {
    const std::optional<core::Condition> condition = condition_by_name(c);
    if (!condition) {
      error = "unknown condition '" + c + "' (controller/core/ladder.cpp's names)";
      return false;
    }
    pair.conditions.push_back(*condition);
  }
  const std::optional<core::AlarmPriority> priority = priority_by_name(f[4]);
  if (!priority) {
    error = "unknown alarm priority '" + f[4] + "' (none, low, medium, high)";
    return false;
  }
  pair.priority = *priority;
  for (const std::string& s : split(f[5], ',')) {
    const std::optional<core::State> end = state_by_name(s);
    if (!end) {
      error = "unknown end state '" + s + "'";
      return false;
    }
    pair.end_states.push_back(*end);
  }
  if (!parse_deadline(f[6], pair)) {
    error = "deadline '" + f[6] + "' is not 'none', 'N ms after the condition' or " +
            "'N ms after the injection'";
    return false;
  }
  if (f.size() == 8) {
    if (f[7].rfind("known defect: ", 0) != 0) {
      error = "an eighth field must start 'known defect: '";
      return false;
    }
    pair.known_defect = f[7].substr(14);
  }
  return true;
}

}  // namespace

std::optional<core::State> state_by_name(const std::string& name) {
  for (std::size_t i = 0; i < core::kStateCount; ++i) {
    const auto s = static_cast<core::State>(i);
    if (core::name(s) == name) return s;
  }
  return std::nullopt;
}

std::optional<core::Condition> condition_by_name(const std::string& name) {
  for (std::size_t i = 0; i < core::kConditionCount; ++i) {
    const auto c = static_cast<core::Condition>(i);
    if (core::spec(c).name == name) return c;
  }
  return std::nullopt;
}

std::optional<Matrix> read_matrix(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot be read";
    return std::nullopt;
  }
  Matrix m;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    // A line ending in a backslash continues on the next.
    while (!line.empty() && line.back() == '\\') {
      line.pop_back();
      std::string next;
      if (!std::getline(in, next)) break;
      ++number;
      line += " " + trim(next);
    }
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    Pair pair;
    pair.line = number;
    if (!parse_line(t, pair, error)) {
      error = path + ":" + std::to_string(number) + ": " + error;
      return std::nullopt;
    }
    for (const Pair& other : m.pairs) {
      if (other.fault_text == pair.fault_text && other.state == pair.state) {
        error = path + ":" + std::to_string(number) + ": the pair " + pair.fault_text + " in " +
                std::string(core::name(pair.state)) + " is already on line " +
                std::to_string(other.line);
        return std::nullopt;
      }
    }
    m.pairs.push_back(std::move(pair));
  }
  return m;
}

}  // namespace rfneedle::campaign
