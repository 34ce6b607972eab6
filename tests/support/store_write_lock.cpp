#include "tests/support/store_write_lock.h"

#include <SQLiteCpp/Database.h>

#include <stdexcept>
#include <string>

namespace rfneedle::testing {

struct StoreWriteLock::Database {
  explicit Database(const std::filesystem::path& path)
      : db(path.string(), SQLite::OPEN_READWRITE) {}
  SQLite::Database db;
};

StoreWriteLock::StoreWriteLock(const std::filesystem::path& store,
                               std::chrono::milliseconds acquire_limit) {
  try {
    db_ = std::make_unique<Database>(store);
    db_->db.setBusyTimeout(static_cast<int>(acquire_limit.count()));
    db_->db.exec("BEGIN IMMEDIATE");
    held_ = true;
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot take the write lock of " + store.string() + ": " + e.what());
  }
}

StoreWriteLock::~StoreWriteLock() { release(); }

void StoreWriteLock::release() {
  if (!held_) {
    return;
  }
  held_ = false;
  try {
    db_->db.exec("ROLLBACK");
  } catch (const std::exception&) {
    // Closing the connection below ends the transaction all the same.
  }
  db_.reset();
}

}  // namespace rfneedle::testing
