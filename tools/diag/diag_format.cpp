#include "tools/diag/diag_format.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace rfneedle::diag {
namespace {

std::string paint(bool on, std::string_view code, std::string_view text) {
  if (!on) {
    return std::string(text);
  }
  return "\033[" + std::string(code) + "m" + std::string(text) + "\033[0m";
}

std::string decimal(std::int64_t value, std::int64_t scale, int decimals) {
  const bool negative = value < 0;
  std::uint64_t magnitude =
      negative ? static_cast<std::uint64_t>(-(value + 1)) + 1 : static_cast<std::uint64_t>(value);
  std::uint64_t divisor = static_cast<std::uint64_t>(scale);
  for (int i = 0; i < decimals; ++i) {
    divisor /= 10;
  }
  if (divisor == 0) {
    divisor = 1;
  }
  // Round half away from zero to `decimals` places.
  magnitude = (magnitude + divisor / 2) / divisor;
  std::uint64_t places = 1;
  for (int i = 0; i < decimals; ++i) {
    places *= 10;
  }
  std::string out = std::to_string(magnitude / places);
  if (decimals > 0) {
    std::string fraction = std::to_string(magnitude % places);
    fraction.insert(0, static_cast<std::size_t>(decimals) - fraction.size(), '0');
    out += "." + fraction;
  }
  return (negative && magnitude != 0 ? "-" : "") + out;
}

}  // namespace

Style Style::detect() {
  Style s;
  s.terminal = ::isatty(STDOUT_FILENO) == 1;
  const char* no_colour = std::getenv("NO_COLOR");
  s.colour = s.terminal && (no_colour == nullptr || *no_colour == '\0');
  return s;
}

std::string Style::bold(std::string_view text) const { return paint(colour, "1", text); }

std::string Style::priority(api::AlarmPriority p, std::string_view text) const {
  switch (p) {
    case api::ALARM_PRIORITY_HIGH:
      return paint(colour, "1;31", text);
    case api::ALARM_PRIORITY_MEDIUM:
      return paint(colour, "33", text);
    case api::ALARM_PRIORITY_LOW:
      return paint(colour, "36", text);
    default:
      return std::string(text);
  }
}

std::string Style::good(bool ok, std::string_view text) const {
  return paint(colour, ok ? "32" : "1;31", text);
}

std::string words(std::string_view name, std::string_view prefix) {
  if (name.starts_with(prefix)) {
    name.remove_prefix(prefix.size());
  }
  std::string out(name);
  for (char& c : out) {
    c = c == '_' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string label(api::State v) { return words(api::State_Name(v), "STATE_"); }
std::string label(api::Rung v) { return words(api::Rung_Name(v), "RUNG_"); }
std::string label(api::AlarmPriority v) {
  return words(api::AlarmPriority_Name(v), "ALARM_PRIORITY_");
}
std::string label(api::ClearPolicy v) { return words(api::ClearPolicy_Name(v), "CLEAR_POLICY_"); }
std::string label(api::Severity v) { return words(api::Severity_Name(v), "SEVERITY_"); }
std::string label(api::EventKind v) { return words(api::EventKind_Name(v), "EVENT_KIND_"); }
std::string label(api::BodyArea v) { return words(api::BodyArea_Name(v), "BODY_AREA_"); }
std::string label(api::CartridgeKind v) {
  return words(api::CartridgeKind_Name(v), "CARTRIDGE_KIND_");
}
std::string label(api::PulseOutcome v) {
  return words(api::PulseOutcome_Name(v), "PULSE_OUTCOME_");
}
std::string label(api::Role v) { return words(api::Role_Name(v), "ROLE_"); }

std::string_view priority_marker(api::AlarmPriority p) {
  switch (p) {
    case api::ALARM_PRIORITY_HIGH:
      return "***";
    case api::ALARM_PRIORITY_MEDIUM:
      return "**";
    case api::ALARM_PRIORITY_LOW:
      return "*";
    default:
      return "";
  }
}

std::string milli(std::int64_t value, int decimals) { return decimal(value, 1000, decimals); }
std::string micro(std::int64_t value, int decimals) { return decimal(value, 1'000'000, decimals); }

std::size_t visible_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\033') {
      while (i < text.size() && text[i] != 'm') {
        ++i;
      }
      continue;
    }
    // Count UTF-8 lead bytes only ("Ω", "°C").
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++width;
    }
  }
  return width;
}

std::string Table::render(const Style& style) const {
  std::string out;
  if (!style.terminal) {
    const auto line = [&](const std::vector<std::string>& cells) {
      for (std::size_t i = 0; i < cells.size(); ++i) {
        out += (i ? "\t" : "") + cells[i];
      }
      out += '\n';
    };
    line(headers_);
    for (const auto& row : rows_) {
      line(row);
    }
    return out;
  }
  std::vector<std::size_t> widths(headers_.size(), 0);
  const auto measure = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], visible_width(cells[i]));
    }
  };
  measure(headers_);
  for (const auto& row : rows_) {
    measure(row);
  }
  const auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string text;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const bool last = i + 1 == cells.size();
      text += header ? style.bold(cells[i]) : cells[i];
      if (!last && i < widths.size()) {
        text.append(widths[i] - visible_width(cells[i]) + 2, ' ');
      }
    }
    out += text + '\n';
  };
  line(headers_, true);
  for (const auto& row : rows_) {
    line(row, false);
  }
  return out;
}

std::string Fields::render(const Style& style) const {
  std::size_t width = 0;
  for (const auto& [name, value] : rows_) {
    width = std::max(width, visible_width(name));
  }
  std::string out;
  for (const auto& [name, value] : rows_) {
    out += style.bold(name + ":");
    if (style.terminal) {
      out.append(width - visible_width(name) + 1, ' ');
    } else {
      out += ' ';
    }
    out += value + '\n';
  }
  return out;
}

}  // namespace rfneedle::diag
