// The store at rfneedled's start-up and when its disk fills (issue 10): a store that
// cannot be used is named and replaced by one in memory (the device then stays in
// ServiceLock), a provisioned device's missing store and an existing file that holds no
// store are never replaced by a new one, a migration is preceded by a copy, and a full
// disk fails a write without an exception and takes writes again once there is room.
#include <SQLiteCpp/Database.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "controller/daemon/device_store.h"
#include "controller/daemon/sqlite_schema.h"
#include "controller/daemon/sqlite_store.h"
#include "tests/unit/daemon/store_test_support.h"

namespace rfneedle::daemon {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class DeviceStoreStart : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  fs::path data_ = dir_.file("data");
  fs::path store_ = data_ / kStoreFileName;
  fs::path marker_ = store_.string() + kProvisionedSuffix;

  void SetUp() override { fs::create_directories(data_); }
  void remove_store() {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      fs::remove(store_.string() + suffix);
    }
  }
};

TEST_F(DeviceStoreStart, TheFirstStartCreatesTheStoreAndMarksTheDeviceProvisioned) {
  const DeviceStore first = open_device_store(data_);
  EXPECT_TRUE(first.unusable.empty()) << first.unusable;
  EXPECT_TRUE(fs::exists(store_));
  EXPECT_TRUE(fs::exists(marker_));
}

// Verifies: SR-86
TEST_F(DeviceStoreStart, AProvisionedDeviceWhoseStoreIsMissingGetsNoNewStore) {
  {
    DeviceStore first = open_device_store(data_);
    ASSERT_TRUE(first.unusable.empty()) << first.unusable;
    StoredEvent e = testing::event_at(1000, core::Severity::kWarningHigh);
    ASSERT_TRUE(first.store->append_event(e));
  }
  remove_store();
  const DeviceStore second = open_device_store(data_);
  EXPECT_THAT(second.unusable, HasSubstr(store_.string()));
  EXPECT_THAT(second.unusable, HasSubstr("missing, but this device was provisioned"));
  ASSERT_NE(second.store, nullptr);  // a store in memory: the device still comes up
  EXPECT_FALSE(fs::exists(store_));
}

// Verifies: SR-86
TEST_F(DeviceStoreStart, AnExistingFileThatHoldsNoStoreIsLeftAndRefused) {
  std::ofstream(store_).flush();  // a store truncated to nothing
  const DeviceStore opened = open_device_store(data_);
  EXPECT_THAT(opened.unusable, HasSubstr("holds no store"));
  EXPECT_EQ(fs::file_size(store_), 0u);
}

// Verifies: SR-86
TEST_F(DeviceStoreStart, ANewerSchemaOrAFailedQuickCheckIsNamedAndTheFileLeftAsItWas) {
  ASSERT_TRUE(open_device_store(data_).unusable.empty());
  {
    SQLite::Database db(store_.string(), SQLite::OPEN_READWRITE);
    db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion + 1));
  }
  const DeviceStore opened = open_device_store(data_);
  EXPECT_THAT(opened.unusable, HasSubstr("is newer than this build's"));
  ASSERT_NE(opened.store, nullptr);
  SQLite::Database db(store_.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), kSchemaVersion + 1);
}

TEST_F(DeviceStoreStart, AMigrationIsPrecededByACopyOfTheStoreBesideIt) {
  {
    DeviceStore first = open_device_store(data_);
    ASSERT_TRUE(first.unusable.empty());
    StoredEvent e = testing::event_at(1000, core::Severity::kWarningHigh);
    ASSERT_TRUE(first.store->append_event(e));
  }
  {
    // Version 4's shape: sessions without version 5's columns and index, pulses without
    // version 6's cartridge.
    SQLite::Database db(store_.string(), SQLite::OPEN_READWRITE);
    db.exec("ALTER TABLE pulses DROP COLUMN cartridge_serial");
    db.exec("DROP INDEX sessions_patient");
    db.exec("ALTER TABLE sessions DROP COLUMN screening_yes");
    db.exec("ALTER TABLE sessions DROP COLUMN course_reason");
    db.exec("PRAGMA user_version = 4");
  }
  const DeviceStore migrated = open_device_store(data_);
  ASSERT_TRUE(migrated.unusable.empty()) << migrated.unusable;
  const fs::path copy = store_.string() + ".before-v" + std::to_string(kSchemaVersion);
  ASSERT_TRUE(fs::exists(copy));
  SQLite::Database backup(copy.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(backup.execAndGet("PRAGMA user_version").getInt(), 4);
  EXPECT_EQ(backup.execAndGet("SELECT count(*) FROM events").getInt(), 1);
  bool logged = false;
  for (const std::string& note : migrated.notes) {
    logged = logged || note.find(copy.string()) != std::string::npos;
  }
  EXPECT_TRUE(logged);
}

// A small tmpfs, so the operating system itself reports the disk full (SQLITE_FULL):
// mounting needs CAP_SYS_ADMIN (the test machines run the tests as root).
class FullDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(mount_);
    if (::mount("tmpfs", mount_.c_str(), "tmpfs", 0, size_) != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs at " << mount_ << ": " << std::strerror(errno);
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) {
      ::umount2(mount_.c_str(), MNT_DETACH);
    }
  }
  // Fills what is left of the filesystem but `leave` bytes.
  void fill(std::uintmax_t leave = 0) {
    std::ofstream filler(filler_, std::ios::binary);
    const std::string block(4096, 'x');
    while (fs::space(mount_).available > leave &&
           filler.write(block.data(), static_cast<std::streamsize>(block.size()))) {
      filler.flush();
    }
  }

  testing::TempDir dir_;
  fs::path mount_ = dir_.file("small");
  fs::path filler_ = mount_ / "filler";
  const char* size_ = "size=256k";
  bool mounted_ = false;
};

class NearlyFullDisk : public FullDisk {
 protected:
  NearlyFullDisk() { size_ = "size=4m"; }
};

// Verifies: SR-85
TEST_F(FullDisk, AWriteToAFullDiskFailsWithoutAnExceptionAndSucceedsOnceThereIsRoom) {
  SqliteStoreOpen opened = SqliteStore::open((mount_ / "store.db").string());
  ASSERT_TRUE(opened.ok()) << opened.error;
  Store& store = *opened.store;
  fill();
  bool refused = false;
  for (int i = 0; i < 2000 && !refused; ++i) {
    StoredEvent e = testing::event_at(i, core::Severity::kDiagnostic);
    e.text = std::string(1000, 't');  // rows big enough to need new pages soon
    refused = !store.append_event(e);
  }
  ASSERT_TRUE(refused) << "the store never reported the full disk";
  fs::remove(filler_);
  EXPECT_TRUE(store.save_pulse(testing::finished_pulse(5000, 1)));
  EXPECT_TRUE(store.pulse(5000).has_value());
}

// Verifies: SR-85
// A device whose disk filled up must take its records again once a little room is free:
// the WAL is checkpointed every 128 pages and cut back, where SQLite's defaults let it
// grow to 4 MiB first (400 commits, one 4 KiB frame each at least, need 1.6 MiB of WAL).
TEST_F(NearlyFullDisk, FourHundredRecordsFitInTheRoomOfOneAndAHalfMebibytes) {
  SqliteStoreOpen opened = SqliteStore::open((mount_ / "store.db").string());
  ASSERT_TRUE(opened.ok()) << opened.error;
  Store& store = *opened.store;
  fill(1536 * 1024);
  for (int i = 0; i < 400; ++i) {
    StoredEvent e = testing::event_at(i, core::Severity::kDiagnostic);
    e.text = std::string(1000, 't');
    ASSERT_TRUE(store.append_event(e)) << "record " << i << ": " << store.last_error();
  }
}

}  // namespace
}  // namespace rfneedle::daemon
