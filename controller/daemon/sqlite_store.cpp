#include "controller/daemon/sqlite_store.h"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "controller/daemon/sqlite_rows.h"
#include "controller/daemon/sqlite_schema.h"

namespace rfneedle::daemon {

using sqlite_rows::bind_name;
using sqlite_rows::guarded;
using sqlite_rows::i64;
using sqlite_rows::read_name;
using sqlite_rows::read_optional_name;
using sqlite_rows::u64;

namespace {

// Issue 10: a store busy for more than 1 s is a failed commit.
constexpr int kBusyTimeoutMs = 1000;
constexpr int kWalCheckpointPages = 128;  // 512 KiB with SQLite's 4 KiB pages
constexpr int kWalSizeLimitBytes = 1 << 20;

// The quoted names of the states a latch record clears with: every non-latched state, so
// a state name this build does not know counts as latched (the safe reading).
std::string clearing_state_names() {
  std::string names;
  for (std::size_t i = 0; i < core::kStateCount; ++i) {
    const auto state = static_cast<core::State>(i);
    if (core::is_latched(state)) {
      continue;
    }
    names += (names.empty() ? "'" : ",'") + std::string(stored_name(state)) + "'";
  }
  return names;
}

// What `PRAGMA quick_check` found, its first few lines; empty when it answered "ok".
// "" when the file passes; a check that could not run (its schema unreadable) has failed.
std::string quick_check_problems(SQLite::Database& db) {
  std::string problems;
  try {
    SQLite::Statement check(db, "PRAGMA quick_check(4)");
    while (check.executeStep()) {
      const std::string line = check.getColumn(0).getString();
      if (line == "ok") {
        break;
      }
      problems += (problems.empty() ? "" : "; ") + line;
    }
  } catch (const SQLite::Exception& e) {
    problems = e.what();
  }
  return problems;
}

// A free name beside the store for its copy before a migration to `version`.
std::string backup_name(const std::string& path, int version) {
  const std::string base = path + ".before-v" + std::to_string(version);
  std::string name = base;
  for (int n = 1; std::filesystem::exists(name); ++n) {
    name = base + "." + std::to_string(n);
  }
  return name;
}

// The whole store, through SQLite's online backup API; throws when it cannot.
void back_up(SQLite::Database& db, const std::string& to) {
  try {
    SQLite::Database copy(to, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    SQLite::Backup backup(copy, db);
    if (backup.executeStep() != SQLITE_DONE) {
      throw std::runtime_error("the copy did not complete");
    }
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(to, ignored);
    throw;
  }
}

}  // namespace

SqliteStore::SqliteStore(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}

SqliteStore::~SqliteStore() = default;

SqliteStoreOpen SqliteStore::open(const std::string& path, bool create_when_missing) {
  auto refused = [&](const std::string& reason) {
    SqliteStoreOpen r;
    r.error = "store " + path + ": " + reason;
    return r;
  };
  try {
    std::error_code fs_error;
    const bool exists = std::filesystem::exists(path, fs_error);
    if (fs_error) {
      return refused(fs_error.message());
    }
    if (!exists && !create_when_missing) {
      return refused("missing");
    }
    auto db = std::make_unique<SQLite::Database>(
        path, exists ? SQLite::OPEN_READWRITE : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db->setBusyTimeout(kBusyTimeoutMs);
    // Every check comes before anything writes to the file.
    const int version = db->execAndGet("PRAGMA user_version").getInt();
    if (version > kSchemaVersion) {
      return refused("schema version " + std::to_string(version) + " is newer than this build's (" +
                     std::to_string(kSchemaVersion) + "); use the build that wrote it");
    }
    if (exists && version == 0 &&
        db->execAndGet("SELECT count(*) FROM sqlite_schema").getInt() == 0) {
      return refused(
          "the file exists but holds no store (no schema); it is left as it is, and no new "
          "store is made over it");
    }
    const std::string problems = quick_check_problems(*db);
    if (!problems.empty()) {
      return refused("quick_check failed: " + problems);
    }
    const std::string mode = db->execAndGet("PRAGMA journal_mode = WAL").getString();
    if (mode != "wal") {
      return refused("cannot use WAL (journal mode stays " + mode + ")");
    }
    db->exec("PRAGMA synchronous = FULL");
    // A short WAL, cut back after each checkpoint: with SQLite's defaults it grows to 4 MiB
    // before its first checkpoint, so a disk that filled up stayed full for the store even
    // after the space was freed (SR-85). Now about 1 MiB free is enough to write again.
    db->exec("PRAGMA wal_autocheckpoint = " + std::to_string(kWalCheckpointPages));
    db->exec("PRAGMA journal_size_limit = " + std::to_string(kWalSizeLimitBytes));
    SqliteStoreOpen opened;
    opened.created = !exists;
    if (exists && version < kSchemaVersion) {
      opened.backup_path = backup_name(path, kSchemaVersion);
      try {
        back_up(*db, opened.backup_path);
      } catch (const std::exception& e) {
        return refused("the copy before the migration from schema version " +
                       std::to_string(version) + " to " + opened.backup_path +
                       " failed, so the store was not migrated: " + e.what());
      }
      opened.migrated_from = version;
    }
    migrate(*db, version);
    opened.store = std::unique_ptr<SqliteStore>(new SqliteStore(std::move(db)));
    return opened;
  } catch (const std::exception& e) {
    return refused(e.what());
  } catch (...) {
    return refused("unknown error");
  }
}

bool SqliteStore::append_event(StoredEvent& event) {
  return guarded(last_error_, false, [&] {
    SQLite::Statement s(*db_,
                        "INSERT INTO events (at, kind, severity, priority, condition, state, text, "
                        "detail, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, event.at);
    bind_name(s, 2, event.kind);
    bind_name(s, 3, event.severity);
    bind_name(s, 4, event.priority);
    bind_name(s, 5, event.condition);
    bind_name(s, 6, event.state);
    s.bind(7, event.text);
    s.bind(8, event.detail);
    s.bind(9, event.value);
    s.exec();
    event.id = u64(db_->getLastInsertRowid());
    return true;
  });
}

std::vector<StoredEvent> SqliteStore::events(const EventQuery& query) {
  return guarded(last_error_, std::vector<StoredEvent>{}, [&] {
    std::string sql =
        "SELECT id, at, kind, severity, priority, condition, state, text, detail, value "
        "FROM events WHERE id > ?";
    if (query.since) {
      sql += " AND at >= ?";
    }
    if (query.until) {
      sql += " AND at <= ?";
    }
    std::vector<std::string> severities;
    if (query.min_severity) {
      for (unsigned v = static_cast<unsigned>(*query.min_severity); v <= UINT8_MAX; ++v) {
        const std::string_view n = stored_name(static_cast<core::Severity>(v));
        if (!n.empty()) {
          severities.emplace_back(n);
        }
      }
      sql += " AND severity IN (";
      for (std::size_t i = 0; i < severities.size(); ++i) {
        sql += i == 0 ? "?" : ", ?";
      }
      sql += ")";
    }
    sql += " ORDER BY id LIMIT ?";
    SQLite::Statement s(*db_, sql);
    int index = 1;
    s.bind(index++, i64(query.after_id));
    if (query.since) {
      s.bind(index++, *query.since);
    }
    if (query.until) {
      s.bind(index++, *query.until);
    }
    for (const std::string& n : severities) {
      s.bind(index++, n);
    }
    s.bind(index, static_cast<std::int64_t>(query.limit));
    std::vector<StoredEvent> found;
    while (s.executeStep()) {
      StoredEvent& e = found.emplace_back();
      e.id = u64(s.getColumn(0).getInt64());
      e.at = s.getColumn(1).getInt64();
      e.kind = read_name(s.getColumn(2), core::EventKind::kStateChanged);
      e.severity = read_name(s.getColumn(3), core::Severity::kFatal);
      e.priority = read_name(s.getColumn(4), core::AlarmPriority::kHigh);
      e.condition = read_optional_name(s.getColumn(5), core::Condition::kInternalInvariant);
      e.state = read_name(s.getColumn(6), core::State::kServiceLock);
      e.text = s.getColumn(7).getString();
      e.detail = s.getColumn(8).getString();
      e.value = s.getColumn(9).getInt64();
    }
    return found;
  });
}

bool SqliteStore::save_latch(const StoredLatch& latch) {
  return guarded(last_error_, false, [&] {
    SQLite::Statement s(*db_,
                        "INSERT INTO latches (at, state, cause, cleared_by, reason) "
                        "VALUES (?, ?, ?, ?, ?)");
    s.bind(1, latch.at);
    bind_name(s, 2, latch.latch.state);
    bind_name(s, 3, latch.latch.cause);
    s.bind(4, latch.cleared_by);
    s.bind(5, latch.reason);
    s.exec();
    return true;
  });
}

std::vector<StoredLatch> SqliteStore::active_latches() {
  return guarded(last_error_, std::vector<StoredLatch>{}, [&] {
    static const std::string sql =
        "SELECT at, state, cause, cleared_by, reason FROM latches WHERE id IN ("
        " SELECT max(id) FROM latches WHERE id > ("
        "  SELECT coalesce(max(id), 0) FROM latches WHERE state IN (" +
        clearing_state_names() + ")) GROUP BY state) ORDER BY id";
    SQLite::Statement s(*db_, sql);
    std::vector<StoredLatch> active;
    while (s.executeStep()) {
      StoredLatch& l = active.emplace_back();
      l.at = s.getColumn(0).getInt64();
      l.latch.state = read_name(s.getColumn(1), core::State::kServiceLock);
      l.latch.cause = read_name(s.getColumn(2), core::Condition::kInternalInvariant);
      l.cleared_by = s.getColumn(3).getString();
      l.reason = s.getColumn(4).getString();
    }
    return active;
  });
}

std::uint64_t SqliteStore::last_pulse_id() {
  return guarded(last_error_, std::uint64_t{0}, [&] {
    return u64(db_->execAndGet("SELECT max(coalesce((SELECT max(pulse_id) FROM pulses), 0), "
                               "coalesce((SELECT up_to FROM pulse_id_reservation), 0))")
                   .getInt64());
  });
}

bool SqliteStore::reserve_pulse_ids(std::uint64_t up_to) {
  return guarded(last_error_, false, [&] {
    SQLite::Statement s(*db_,
                        "INSERT INTO pulse_id_reservation (id, up_to) VALUES (1, ?) "
                        "ON CONFLICT (id) DO UPDATE SET up_to = max(up_to, excluded.up_to)");
    s.bind(1, i64(up_to));
    s.exec();
    return true;
  });
}

std::uint64_t SqliteStore::reserved_pulse_ids() {
  return guarded(last_error_, std::uint64_t{0}, [&] {
    return u64(
        db_->execAndGet("SELECT coalesce((SELECT up_to FROM pulse_id_reservation), 0)").getInt64());
  });
}

std::optional<WallMs> SqliteStore::latest_record_at() {
  return guarded(last_error_, std::optional<WallMs>{}, [&]() -> std::optional<WallMs> {
    return db_
        ->execAndGet(
            "SELECT COALESCE(MAX(m), 0) FROM ("
            "SELECT MAX(at) AS m FROM events UNION ALL SELECT MAX(at) FROM latches "
            "UNION ALL SELECT MAX(opened_at) FROM sessions UNION ALL SELECT MAX(closed_at) FROM sessions "
            "UNION ALL SELECT MAX(started_at) FROM pulses UNION ALL SELECT MAX(at) FROM boards "
            "UNION ALL SELECT MAX(at) FROM calibrations UNION ALL SELECT MAX(at) FROM audit)")
        .getInt64();
  });
}

std::optional<LifetimeCounters> SqliteStore::lifetime_counters() {
  return guarded(last_error_, std::optional<LifetimeCounters>{}, [&]() -> std::optional<LifetimeCounters> {
    LifetimeCounters out;
    const std::string treatment(stored_name(core::PulseKind::kTreatment));
    SQLite::Statement pulses(*db_,
                             "SELECT kind, outcome, count(*), sum(rf_time_us), "
                             "sum(CASE WHEN kind = ? THEN delivered_energy_uj ELSE 0 END) "
                             "FROM pulses GROUP BY kind, outcome");
    pulses.bind(1, treatment);
    while (pulses.executeStep()) {
      const auto kind = from_stored_name<core::PulseKind>(pulses.getColumn(0).getString());
      const auto outcome = from_stored_name<core::PulseOutcome>(pulses.getColumn(1).getString());
      out.rf_time_us += pulses.getColumn(3).getInt64();
      out.delivered_energy_uj += pulses.getColumn(4).getInt64();
      if (kind && outcome) {
        out.pulses.push_back({*kind, *outcome, u64(pulses.getColumn(2).getInt64())});
      }
    }
    std::sort(out.pulses.begin(), out.pulses.end(), [](const PulseCount& a, const PulseCount& b) {
      return std::pair{a.kind, a.outcome} < std::pair{b.kind, b.outcome};
    });

    // A reconciled pulse carries no cartridge: its session's stands for it.
    SQLite::Statement cartridges(
        *db_,
        "SELECT serial, sum(sessions), sum(pulses), sum(energy), max(last_at) FROM ("
        " SELECT cartridge_serial AS serial, count(*) AS sessions, 0 AS pulses, 0 AS energy,"
        "  0 AS last_at FROM sessions GROUP BY cartridge_serial"
        " UNION ALL"
        " SELECT CASE WHEN p.cartridge_serial != '' THEN p.cartridge_serial"
        "  ELSE coalesce(s.cartridge_serial, '') END, 0, count(*), sum(p.delivered_energy_uj),"
        "  max(p.started_at)"
        " FROM pulses p LEFT JOIN sessions s ON s.id = p.session_id"
        " WHERE p.kind = ? AND p.delivered_energy_uj > 0 GROUP BY 1)"
        " GROUP BY serial ORDER BY serial");
    cartridges.bind(1, treatment);
    while (cartridges.executeStep()) {
      out.cartridges.push_back({cartridges.getColumn(0).getString(),
                                u64(cartridges.getColumn(1).getInt64()),
                                u64(cartridges.getColumn(2).getInt64()),
                                cartridges.getColumn(3).getInt64(),
                                cartridges.getColumn(4).getInt64()});
    }

    SQLite::Statement raised(*db_,
                             "SELECT condition, count(*) FROM events WHERE kind = ? AND "
                             "condition IS NOT NULL GROUP BY condition");
    raised.bind(1, std::string(stored_name(core::EventKind::kConditionRaised)));
    while (raised.executeStep()) {
      if (const auto c = from_stored_name<core::Condition>(raised.getColumn(0).getString())) {
        out.conditions.push_back({*c, u64(raised.getColumn(1).getInt64())});
      }
    }
    std::sort(out.conditions.begin(), out.conditions.end(),
              [](const ConditionCount& a, const ConditionCount& b) {
                return a.condition < b.condition;
              });
    return out;
  });
}

}  // namespace rfneedle::daemon
