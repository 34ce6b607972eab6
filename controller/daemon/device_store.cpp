#include "controller/daemon/device_store.h"

#include <fstream>
#include <system_error>

#include "controller/daemon/memory_store.h"
#include "controller/daemon/sqlite_schema.h"
#include "controller/daemon/sqlite_store.h"

namespace rfneedle::daemon {
namespace {

DeviceStore unusable(std::string reason, std::vector<std::string> notes = {}) {
  return DeviceStore{std::make_unique<MemoryStore>(), std::move(reason), std::move(notes)};
}

// The marker's text says when and by which schema the device was provisioned; only its
// presence matters.
bool write_marker(const std::filesystem::path& marker) {
  std::ofstream out(marker, std::ios::trunc);
  out << "store created with schema version " << kSchemaVersion << "\n";
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace

DeviceStore open_device_store(const std::filesystem::path& data_dir) {
  const std::filesystem::path path = data_dir / kStoreFileName;
  const std::filesystem::path marker = path.string() + kProvisionedSuffix;
  std::error_code error;
  const bool exists = std::filesystem::exists(path, error);
  if (error) {
    return unusable("store " + path.string() + ": " + error.message());
  }
  const bool provisioned = std::filesystem::exists(marker, error);
  if (error) {
    return unusable("store " + path.string() + ": " + marker.string() + ": " + error.message());
  }
  if (!exists && provisioned) {
    return unusable("store " + path.string() +
                    ": missing, but this device was provisioned (" + marker.string() +
                    "); restore the store, or remove the marker to provision the device again");
  }
  SqliteStoreOpen opened = SqliteStore::open(path.string(), !exists);
  if (!opened.ok()) {
    return unusable(opened.error);
  }
  DeviceStore out;
  if (opened.created) {
    out.notes.push_back("store " + path.string() + " created (schema version " +
                        std::to_string(kSchemaVersion) + ")");
  }
  if (opened.migrated_from >= 0) {
    out.notes.push_back("store " + path.string() + " copied to " + opened.backup_path +
                        " (SQLite backup), then migrated from schema version " +
                        std::to_string(opened.migrated_from) + " to " +
                        std::to_string(kSchemaVersion));
  }
  if (!provisioned) {
    out.notes.push_back(write_marker(marker)
                            ? "device provisioned: " + marker.string() + " written"
                            : "the provisioning marker " + marker.string() +
                                  " could not be written: a missing store would not be noticed");
  }
  out.store = std::move(opened.store);
  return out;
}

}  // namespace rfneedle::daemon
