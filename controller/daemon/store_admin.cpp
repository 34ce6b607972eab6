#include "controller/daemon/store_admin.h"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "controller/daemon/device_store.h"
#include "controller/daemon/sqlite_schema.h"

namespace rfneedle::daemon {
namespace {

namespace fs = std::filesystem;

AdminResult failed(std::string message) { return AdminResult{1, "", std::move(message)}; }

// quick_check's verdict on an open database: "" when it says ok.
std::string quick_check(SQLite::Database& db) {
  SQLite::Statement check(db, "PRAGMA quick_check");
  std::string problems;
  while (check.executeStep()) {
    const std::string line = check.getColumn(0).getString();
    if (line != "ok") {
      problems += (problems.empty() ? "" : "; ") + line;
    }
  }
  return problems;
}

std::uint64_t rows(SQLite::Database& db, const char* table) {
  return static_cast<std::uint64_t>(
      db.execAndGet(std::string("SELECT count(*) FROM ") + table).getInt64());
}

// A free name `base`, `base.1`, ... (none of the three files there).
fs::path free_name(const fs::path& base) {
  fs::path name = base;
  for (int n = 1; fs::exists(name) || fs::exists(name.string() + "-wal"); ++n) {
    name = base.string() + "." + std::to_string(n);
  }
  return name;
}

}  // namespace

std::optional<DataDirLock> DataDirLock::acquire(const fs::path& data_dir, std::string& why) {
  const fs::path path = data_dir / kDataDirLockName;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    why = path.string() + ": " + std::strerror(errno);
    return std::nullopt;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd);
    why = error == EWOULDBLOCK ? "rfneedled is running on " + data_dir.string() + " (it holds " +
                                     path.string() + ")"
                               : path.string() + ": " + std::strerror(error);
    return std::nullopt;
  }
  return DataDirLock(fd);
}

bool DataDirLock::held(const fs::path& data_dir) {
  const fs::path path = data_dir / kDataDirLockName;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;  // never created: no rfneedled ever ran here
  }
  const bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return locked;
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) {
    ::close(fd_);  // drops the flock
  }
}

AdminResult backup_store(const fs::path& data_dir, const fs::path& file) {
  const fs::path store = data_dir / kStoreFileName;
  std::error_code ec;
  if (!fs::exists(store, ec)) {
    return failed("--backup: no store at " + store.string());
  }
  if (fs::exists(file, ec)) {
    return failed("--backup: " + file.string() + " exists already: name a new file");
  }
  const fs::path partial = file.string() + ".partial";
  fs::remove(partial, ec);
  try {
    SQLite::Database source(store.string(), SQLite::OPEN_READONLY, 5000);
    std::uint64_t sessions = 0, pulses = 0, audit = 0;
    {
      SQLite::Database copy(partial.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      SQLite::Backup backup(copy, source);
      // One step: a single read transaction, so the copy is one committed state.
      if (backup.executeStep(-1) != SQLITE_DONE) {
        throw std::runtime_error("the backup did not complete");
      }
    }
    {
      SQLite::Database copy(partial.string(), SQLite::OPEN_READWRITE);
      copy.exec("PRAGMA journal_mode = DELETE");  // one self-contained file
      if (const std::string problems = quick_check(copy); !problems.empty()) {
        throw std::runtime_error("the copy fails quick_check: " + problems);
      }
      sessions = rows(copy, "sessions");
      pulses = rows(copy, "pulses");
      audit = rows(copy, "audit");
    }
    fs::rename(partial, file);
    AdminResult r;
    r.output = "sessions " + std::to_string(sessions) + "\npulses " + std::to_string(pulses) +
               "\naudit " + std::to_string(audit) + "\n";
    r.message = "store " + store.string() + " backed up to " + file.string();
    return r;
  } catch (const std::exception& e) {
    fs::remove(partial, ec);
    return failed("--backup: " + store.string() + " to " + file.string() + ": " + e.what());
  }
}

AdminResult restore_store(const fs::path& data_dir, const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    return failed("--restore: " + file.string() + ": no such file");
  }
  fs::create_directories(data_dir, ec);
  if (ec) {
    return failed("--restore: " + data_dir.string() + ": " + ec.message());
  }
  std::string why;
  std::optional<DataDirLock> lock = DataDirLock::acquire(data_dir, why);
  if (!lock) {
    return failed("--restore refused: " + why + "; stop it first (systemctl stop rfneedled)");
  }
  int version = 0;
  try {
    SQLite::Database source(file.string(), SQLite::OPEN_READONLY);
    if (const std::string problems = quick_check(source); !problems.empty()) {
      return failed("--restore: " + file.string() + " fails quick_check: " + problems);
    }
    version = source.execAndGet("PRAGMA user_version").getInt();
  } catch (const std::exception& e) {
    return failed("--restore: " + file.string() + " is not a readable SQLite store: " + e.what());
  }
  if (version < 1 || version > kSchemaVersion) {
    return failed("--restore: " + file.string() + " has schema version " +
                  std::to_string(version) + "; this build reads 1 to " +
                  std::to_string(kSchemaVersion) +
                  (version > kSchemaVersion ? " (a newer build wrote it)" : " (not a store)"));
  }
  const fs::path store = data_dir / kStoreFileName;
  fs::path kept;
  if (fs::exists(store, ec)) {
    kept = free_name(store.string() + ".before-restore");
    for (const char* suffix : {"", "-wal", "-shm"}) {
      const fs::path from = store.string() + suffix;
      if (fs::exists(from, ec)) {
        fs::rename(from, kept.string() + suffix, ec);
        if (ec) {
          return failed("--restore: keeping " + from.string() + ": " + ec.message());
        }
      }
    }
  }
  try {
    SQLite::Database source(file.string(), SQLite::OPEN_READONLY);
    SQLite::Database target(store.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    {
      SQLite::Backup backup(target, source);
      if (backup.executeStep(-1) != SQLITE_DONE) {
        throw std::runtime_error("the copy did not complete");
      }
    }
    target.exec("PRAGMA journal_mode = WAL");
  } catch (const std::exception& e) {
    return failed("--restore: copying " + file.string() + " to " + store.string() + ": " +
                  e.what() + (kept.empty() ? "" : "; the previous store is " + kept.string()));
  }
  AdminResult r;
  r.message = "store " + store.string() + " restored from " + file.string() +
              " (schema version " + std::to_string(version) + ")" +
              (kept.empty() ? "" : "; the previous store is kept as " + kept.string());
  return r;
}

AdminResult session_open_check(const fs::path& data_dir) {
  if (!DataDirLock::held(data_dir)) {
    return AdminResult{0, "", "rfneedled is not running on " + data_dir.string() +
                                  ": no session is open"};
  }
  const fs::path store = data_dir / kStoreFileName;
  try {
    SQLite::Database db(store.string(), SQLite::OPEN_READONLY, 5000);
    SQLite::Statement open(db,
                           "SELECT id, opened_at FROM sessions WHERE closed_at IS NULL "
                           "ORDER BY id DESC LIMIT 1");
    if (!open.executeStep()) {
      return AdminResult{0, "", "no session is open"};
    }
    AdminResult r;
    r.exit_code = 1;
    r.output = "session " + std::to_string(open.getColumn(0).getInt64()) + " opened_at " +
               std::to_string(open.getColumn(1).getInt64()) + "\n";
    r.message = "a treatment session is open: an upgrade waits until it is closed";
    return r;
  } catch (const std::exception& e) {
    return AdminResult{3, "", "--session-open-check: " + store.string() + ": " + e.what()};
  }
}

}  // namespace rfneedle::daemon
