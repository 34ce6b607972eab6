// rfneedled's store at start-up (issue 10, SR-86): the SQLite store in the data directory,
// or, when it cannot be used, a store in memory and the reason, so the device still comes
// up, shows ServiceLock with that reason and never energizes.
//
// "Provisioned" is a marker file beside the store (`rfneedle.db.provisioned`), written
// when the store is first created there (and beside any store found without one). A
// provisioned device whose store is missing is refused: a new, empty store would lose the
// pulse-ID series, the latches, the calibrations and the accounts. To provision the device
// again, a service engineer removes the marker.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "controller/daemon/store.h"

namespace rfneedle::daemon {

inline constexpr const char* kStoreFileName = "rfneedle.db";
inline constexpr const char* kProvisionedSuffix = ".provisioned";

struct DeviceStore {
  std::unique_ptr<Store> store;  // never null
  // Why the store on disk cannot be used (it names the file); empty when it can. The
  // store above is then a MemoryStore that keeps nothing across a restart.
  std::string unusable;
  // What start-up did to the store, for the log: created, copied before a migration,
  // migrated, the marker written.
  std::vector<std::string> notes;
};

[[nodiscard]] DeviceStore open_device_store(const std::filesystem::path& data_dir);

}  // namespace rfneedle::daemon
