// What SqliteStore's source files share: conversions between the store's values and
// SQLite columns, and the guard that keeps every SQLite exception inside the store.
#pragma once

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <exception>
#include <optional>
#include <string>

#include "controller/daemon/stored_names.h"

namespace rfneedle::daemon::sqlite_rows {

// IDs are unsigned in the core and INTEGER (signed 64-bit) in SQLite; they stay far below
// 2^63.
[[nodiscard]] inline std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }
[[nodiscard]] inline std::uint64_t u64(std::int64_t v) { return static_cast<std::uint64_t>(v); }

template <typename Enum>
void bind_name(SQLite::Statement& s, int index, Enum value) {
  s.bind(index, std::string(stored_name(value)));
}

template <typename Enum>
void bind_name(SQLite::Statement& s, int index, const std::optional<Enum>& value) {
  if (!value) {
    s.bind(index);  // NULL
    return;
  }
  bind_name(s, index, *value);
}

// A name this build does not know reads as `otherwise`. A build that adds a stored name
// raises the schema version, so an older build refuses the file instead of misreading
// it; `otherwise` covers a damaged row, and is the conservative value where one exists.
template <typename Enum>
[[nodiscard]] Enum read_name(const SQLite::Column& c, Enum otherwise) {
  return from_stored_name<Enum>(c.getString()).value_or(otherwise);
}

template <typename Enum>
[[nodiscard]] std::optional<Enum> read_optional_name(const SQLite::Column& c, Enum otherwise) {
  if (c.isNull()) {
    return std::nullopt;
  }
  return read_name(c, otherwise);
}

// Runs `f`, answering `failed` if it throws: no exception leaves the store, and the store
// logs nothing (the caller does). What went wrong is kept in `error` for the caller's log.
template <typename R, typename F>
[[nodiscard]] R guarded(std::string& error, R failed, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown error";
  }
  return failed;
}

}  // namespace rfneedle::daemon::sqlite_rows
