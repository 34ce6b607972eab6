// rfneedled's service commands on its store (issue 14; docs/operations.md, "Backup and
// restore" and "Upgrades"): each runs as its own short process beside (or instead of) the
// daemon, on the data directory the configuration names.
//
// Whether rfneedled runs on a data directory is one lock: the running daemon holds an
// exclusive flock(2) on `rfneedled.lock` in it for its whole life (DataDirLock), the kernel
// drops it when the process ends however it ends (kill -9 included), so a stale file never
// says "running". A second rfneedled on the same directory is refused by it; so is
// --restore.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace rfneedle::daemon {

inline constexpr const char* kDataDirLockName = "rfneedled.lock";

class DataDirLock {
 public:
  // Takes the lock, or returns nothing and says why in `why` (held by a running rfneedled,
  // or the file cannot be opened).
  [[nodiscard]] static std::optional<DataDirLock> acquire(const std::filesystem::path& data_dir,
                                                          std::string& why);
  // Whether a running rfneedled holds it (the lock is taken and dropped again to find out).
  [[nodiscard]] static bool held(const std::filesystem::path& data_dir);
  DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&&) = delete;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

// What a command did, for its caller to print (stdout: `output`, stderr: `message`) and
// exit with.
struct AdminResult {
  int exit_code = 0;
  std::string output;   // data (the backup's figures, the open session)
  std::string message;  // what happened or what is wrong
};

// Exit codes (docs/operations.md): 0 done; 1 refused or failed (the message says why);
// --session-open-check: 1 a session is open, 3 the store cannot be read.

// --backup FILE: the store, copied with SQLite's online backup API from a read-only
// connection, also while rfneedled runs and writes (WAL: the copy is the last committed
// state when it began, and the daemon is never held). Written to FILE.partial and renamed
// to FILE once the copy passes quick_check; FILE must not exist yet. The copy is one
// self-contained file (rollback journal mode, no -wal beside it).
[[nodiscard]] AdminResult backup_store(const std::filesystem::path& data_dir,
                                       const std::filesystem::path& file);

// --restore FILE: refused while rfneedled runs on `data_dir` (its lock), and unless FILE
// passes quick_check and holds a store's schema version this build reads (1 to
// kSchemaVersion; an older one is migrated, with its copy first, when rfneedled opens it).
// The store there, if any, is kept beside as rfneedle.db.before-restore[.N] (with its -wal
// and -shm), then FILE is copied in with the backup API, in WAL mode.
[[nodiscard]] AdminResult restore_store(const std::filesystem::path& data_dir,
                                        const std::filesystem::path& file);

// --session-open-check: exit 0 when no treatment session is open (rfneedled is not
// running, or its store holds no open session), 1 when one is (its ID and opening time on
// stdout), 3 when the store cannot be read. The package's postinst restarts rfneedled only
// on 0 (docs/operations.md, "Upgrades").
[[nodiscard]] AdminResult session_open_check(const std::filesystem::path& data_dir);

}  // namespace rfneedle::daemon
