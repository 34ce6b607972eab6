#include "tools/diag/diag_time.h"

#include <google/protobuf/timestamp.pb.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>

namespace rfneedle::diag {
namespace {

using std::chrono::milliseconds;

// Reads exactly `digits` digits at `pos` into `out`.
bool digits_at(std::string_view s, std::size_t& pos, int digits, int& out) {
  if (pos + static_cast<std::size_t>(digits) > s.size()) {
    return false;
  }
  int v = 0;
  for (int i = 0; i < digits; ++i) {
    const char c = s[pos + static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') {
      return false;
    }
    v = v * 10 + (c - '0');
  }
  out = v;
  pos += static_cast<std::size_t>(digits);
  return true;
}

bool take(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

Parsed<WallTime> parse_relative(std::string_view text, WallTime now) {
  const std::string_view body = text.substr(1);
  std::int64_t amount = 0;
  const auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), amount);
  if (ec != std::errc{} || end == body.data()) {
    return Parsed<WallTime>::fail("'" + std::string(text) +
                                  "': a relative time is a minus, a number and a unit (-10min)");
  }
  const std::string_view unit(end, static_cast<std::size_t>(body.data() + body.size() - end));
  struct Unit {
    std::string_view name;
    std::int64_t ms;
  };
  static constexpr std::array<Unit, 17> kUnits{{{"ms", 1},
                                                {"s", 1000},
                                                {"sec", 1000},
                                                {"second", 1000},
                                                {"seconds", 1000},
                                                {"m", 60'000},
                                                {"min", 60'000},
                                                {"minute", 60'000},
                                                {"minutes", 60'000},
                                                {"h", 3'600'000},
                                                {"hour", 3'600'000},
                                                {"hours", 3'600'000},
                                                {"d", 86'400'000},
                                                {"day", 86'400'000},
                                                {"days", 86'400'000},
                                                {"w", 604'800'000},
                                                {"weeks", 604'800'000}}};
  for (const Unit& u : kUnits) {
    if (u.name == unit) {
      if (amount > 3'650LL * 86'400'000 / u.ms) {
        return Parsed<WallTime>::fail("'" + std::string(text) + "': more than ten years back");
      }
      return Parsed<WallTime>::ok(now - milliseconds(amount * u.ms));
    }
  }
  return Parsed<WallTime>::fail("'" + std::string(text) + "': unknown unit '" + std::string(unit) +
                                "' (ms, s, min, h, d, w)");
}

}  // namespace

Parsed<WallTime> parse_time(std::string_view text, WallTime now) {
  if (text == "now") {
    return Parsed<WallTime>::ok(now);
  }
  if (text.starts_with('-')) {
    return parse_relative(text, now);
  }
  const auto bad = [&](const char* why) {
    return Parsed<WallTime>::fail("'" + std::string(text) + "': " + why +
                                  " (ISO-8601 such as 2026-01-01T08:30:00Z, or -10min)");
  };
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  if (!digits_at(text, pos, 4, year) || !take(text, pos, '-') || !digits_at(text, pos, 2, month) ||
      !take(text, pos, '-') || !digits_at(text, pos, 2, day)) {
    return bad("not a date");
  }
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) {
    return bad("no such date");
  }
  int offset_minutes = 0;
  if (pos < text.size()) {
    if (!take(text, pos, 'T') && !take(text, pos, 't') && !take(text, pos, ' ')) {
      return bad("expected T between the date and the time");
    }
    if (!digits_at(text, pos, 2, hour) || !take(text, pos, ':') ||
        !digits_at(text, pos, 2, minute)) {
      return bad("not a time of day (HH:MM)");
    }
    if (take(text, pos, ':')) {
      if (!digits_at(text, pos, 2, second)) {
        return bad("not seconds");
      }
      if (take(text, pos, '.')) {
        int place = 100;
        std::size_t count = 0;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
          millis += (text[pos] - '0') * place;
          place /= 10;
          ++pos;
          ++count;
        }
        if (count == 0) {
          return bad("no digits after the decimal point");
        }
      }
    }
    if (hour > 23 || minute > 59 || second > 59) {
      return bad("time of day out of range");
    }
    const bool utc = take(text, pos, 'Z') || take(text, pos, 'z');
    if (!utc && pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      const int sign = text[pos] == '-' ? -1 : 1;
      ++pos;
      int oh = 0, om = 0;
      const bool hours_read = digits_at(text, pos, 2, oh);
      (void)take(text, pos, ':');
      if (!hours_read || !digits_at(text, pos, 2, om) || oh > 23 || om > 59) {
        return bad("not a UTC offset (+HH:MM)");
      }
      offset_minutes = sign * (oh * 60 + om);
    }
    if (pos != text.size()) {
      return bad("unexpected characters at the end");
    }
  }
  const WallTime t = std::chrono::sys_days{date} + std::chrono::hours(hour) +
                     std::chrono::minutes(minute - offset_minutes) + std::chrono::seconds(second) +
                     milliseconds(millis);
  return Parsed<WallTime>::ok(t);
}

std::string format_utc(WallTime t, bool millis) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss<milliseconds> hms{t - day};
  std::array<char, 40> out{};
  const long ms = static_cast<long>(hms.subseconds().count());
  if (millis && ms != 0) {
    std::snprintf(out.data(), out.size(), "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ldZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<long>(hms.hours().count()),
                  static_cast<long>(hms.minutes().count()),
                  static_cast<long>(hms.seconds().count()), ms);
  } else {
    std::snprintf(out.data(), out.size(), "%04d-%02u-%02uT%02ld:%02ld:%02ldZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<long>(hms.hours().count()),
                  static_cast<long>(hms.minutes().count()),
                  static_cast<long>(hms.seconds().count()));
  }
  return out.data();
}

WallTime from_timestamp(const google::protobuf::Timestamp& t) {
  return WallTime(milliseconds(t.seconds() * 1000 + t.nanos() / 1'000'000));
}

void to_timestamp(WallTime t, google::protobuf::Timestamp& out) {
  const auto ms = t.time_since_epoch().count();
  const auto seconds = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  out.set_seconds(seconds);
  out.set_nanos(static_cast<std::int32_t>((ms - seconds * 1000) * 1'000'000));
}

WallTime wall_now() {
  return std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());
}

}  // namespace rfneedle::diag
