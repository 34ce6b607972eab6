#include "tests/support/store_write_lock.h"

#include <SQLiteCpp/Database.h>

#include <stdexcept>

namespace rfneedle::testing {

StoreWriteLock::StoreWriteLock(const std::filesystem::path& store, std::chrono::milliseconds hold,
                               std::chrono::milliseconds acquire_limit)
    : thread_([this, store, hold, acquire_limit] { hold_lock(store, hold, acquire_limit); }) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return taken_ || released_; });
  if (!taken_) {
    const std::string why = error_;
    lock.unlock();
    thread_.join();
    throw std::runtime_error("cannot take the write lock of " + store.string() + ": " + why);
  }
}

StoreWriteLock::~StoreWriteLock() { release(); }

// One connection, used on this thread alone: opened, locked, held, rolled back, closed.
void StoreWriteLock::hold_lock(std::filesystem::path store, std::chrono::milliseconds hold,
                               std::chrono::milliseconds acquire_limit) {
  try {
    SQLite::Database db(store.string(), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(static_cast<int>(acquire_limit.count()));
    db.exec("BEGIN IMMEDIATE");
    std::unique_lock lock(mutex_);
    taken_ = true;
    changed_.notify_all();
    changed_.wait_for(lock, hold, [&] { return release_now_; });
    lock.unlock();
    db.exec("ROLLBACK");
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    error_ = e.what();  // after it was taken: closing the connection below ends it anyway
  }
  std::lock_guard lock(mutex_);
  released_ = true;
  changed_.notify_all();
}

void StoreWriteLock::release() {
  {
    std::lock_guard lock(mutex_);
    release_now_ = true;
    changed_.notify_all();
  }
  wait_until_released();
}

void StoreWriteLock::wait_until_released() {
  if (thread_.joinable()) {
    thread_.join();
  }
}

bool StoreWriteLock::held() const {
  std::lock_guard lock(mutex_);
  return taken_ && !released_;
}

}  // namespace rfneedle::testing
