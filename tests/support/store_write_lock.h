// Holds a store's write lock from outside rfneedled, as a stalled commit would (a slow
// disk, a backup tool writing): a second SQLite connection, on its own thread, runs BEGIN
// IMMEDIATE on the file and keeps the transaction open for a set time, so every write the
// daemon tries meanwhile waits out its busy timeout and fails. Reads still work (WAL). For
// tests of what a slow store may and may not delay.
//
//   StoreWriteLock stall(device.store_path(), std::chrono::seconds(5));  // taken now
//   ...                           // the daemon's writes fail for the next 5 s
//   stall.wait_until_released();  // or release() early; the destructor releases too
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

namespace rfneedle::testing {

class StoreWriteLock {
 public:
  // Returns once the lock is taken (waiting up to `acquire_limit` for a write rfneedled has
  // under way); it is released `hold` later. Throws std::runtime_error if it cannot be taken.
  StoreWriteLock(const std::filesystem::path& store, std::chrono::milliseconds hold,
                 std::chrono::milliseconds acquire_limit = std::chrono::seconds(5));
  ~StoreWriteLock();
  StoreWriteLock(const StoreWriteLock&) = delete;
  StoreWriteLock& operator=(const StoreWriteLock&) = delete;

  // Releases the lock now (ROLLBACK) if it is still held, and returns once it is.
  void release();
  // Returns once the hold ran out (or release() was called) and the lock is released.
  void wait_until_released();
  [[nodiscard]] bool held() const;

 private:
  void hold_lock(std::filesystem::path store, std::chrono::milliseconds hold,
                 std::chrono::milliseconds acquire_limit);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool taken_ = false;
  bool release_now_ = false;
  bool released_ = false;
  std::string error_;
  std::thread thread_;
};

}  // namespace rfneedle::testing
