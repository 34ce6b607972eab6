#include "tools/diag/token_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "tools/diag/diag_time.h"

namespace rfneedle::diag {
namespace {

class TokenCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rfneedle-diag-cache-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    url_ = *parse_url("http://127.0.0.1:8080").value;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static api::LoginResponse login(api::Role role, std::chrono::hours valid) {
    api::LoginResponse l;
    l.set_token(std::string(64, role == api::ROLE_SERVICE ? 's' : 'o'));
    l.set_role(role);
    l.set_user(role == api::ROLE_SERVICE ? "" : "alice");
    to_timestamp(wall_now() + valid, *l.mutable_expires_at());
    return l;
  }

  std::filesystem::path dir_;
  ControllerUrl url_;
};

TEST_F(TokenCacheTest, KeepsEachRolesTokenInAFileOnlyTheUserCanRead) {
  const TokenCache cache(dir_.string(), url_);
  ASSERT_TRUE(cache.enabled());
  ASSERT_EQ(cache.save(login(api::ROLE_SERVICE, std::chrono::hours(1))), "");
  ASSERT_EQ(cache.save(login(api::ROLE_OPERATOR, std::chrono::hours(12))), "");
  EXPECT_EQ(cache.path(api::ROLE_SERVICE), dir_ / "rfneedle-diag" / "127.0.0.1_8080.service.token");
  struct stat info {};
  ASSERT_EQ(::stat(cache.path(api::ROLE_SERVICE).c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ / "rfneedle-diag").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  EXPECT_EQ(cache.load(api::ROLE_SERVICE)->token(), std::string(64, 's'));
  EXPECT_EQ(cache.load(api::ROLE_OPERATOR)->user(), "alice");
  EXPECT_EQ(cache.all().size(), 2u);
  cache.remove(api::ROLE_SERVICE);
  EXPECT_FALSE(cache.load(api::ROLE_SERVICE));
  EXPECT_TRUE(cache.load(api::ROLE_OPERATOR));
}

TEST_F(TokenCacheTest, ForgetsAnExpiredToken) {
  const TokenCache cache(dir_.string(), url_);
  ASSERT_EQ(cache.save(login(api::ROLE_SERVICE, std::chrono::hours(-1))), "");
  EXPECT_FALSE(cache.load(api::ROLE_SERVICE));
}

TEST_F(TokenCacheTest, KeepsEachControllerApart) {
  const TokenCache a(dir_.string(), url_);
  const TokenCache b(dir_.string(), *parse_url("http://[::1]:9000").value);
  ASSERT_EQ(a.save(login(api::ROLE_SERVICE, std::chrono::hours(1))), "");
  EXPECT_FALSE(b.load(api::ROLE_SERVICE));
  EXPECT_EQ(b.path(api::ROLE_SERVICE).filename(), "___1__9000.service.token");
}

TEST_F(TokenCacheTest, CachesNothingWithoutARuntimeDirectory) {
  const TokenCache cache("", url_);
  EXPECT_FALSE(cache.enabled());
  EXPECT_EQ(cache.save(login(api::ROLE_SERVICE, std::chrono::hours(1))),
            "XDG_RUNTIME_DIR is not set");
  EXPECT_FALSE(cache.load(api::ROLE_SERVICE));
}

TEST_F(TokenCacheTest, RefusesADirectoryOthersCanRead) {
  std::filesystem::create_directories(dir_ / "rfneedle-diag");
  ::chmod((dir_ / "rfneedle-diag").c_str(), 0755);
  const TokenCache cache(dir_.string(), url_);
  EXPECT_NE(cache.save(login(api::ROLE_SERVICE, std::chrono::hours(1))).find("0700"),
            std::string::npos);
}

}  // namespace
}  // namespace rfneedle::diag
