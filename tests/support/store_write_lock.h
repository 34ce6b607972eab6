// Holds a store's write lock from outside rfneedled, as a stalled commit would (a slow
// disk, a backup tool writing): a second SQLite connection runs BEGIN IMMEDIATE on the
// file, so every write the daemon tries waits out its busy timeout and fails until
// release(). Reads still work (WAL). For tests of what a slow store may and may not delay.
//
//   StoreWriteLock lock(device.store_path());   // taken
//   ...                                          // the daemon's writes fail meanwhile
//   lock.release();                              // or on destruction
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>

namespace rfneedle::testing {

class StoreWriteLock {
 public:
  // Waits up to `acquire_limit` for a write rfneedled has under way to finish. Throws
  // std::runtime_error if the lock cannot be taken.
  explicit StoreWriteLock(const std::filesystem::path& store,
                          std::chrono::milliseconds acquire_limit = std::chrono::seconds(5));
  ~StoreWriteLock();
  StoreWriteLock(const StoreWriteLock&) = delete;
  StoreWriteLock& operator=(const StoreWriteLock&) = delete;

  void release();  // ROLLBACK; idempotent
  [[nodiscard]] bool held() const { return held_; }

 private:
  struct Database;
  std::unique_ptr<Database> db_;
  bool held_ = false;
};

}  // namespace rfneedle::testing
