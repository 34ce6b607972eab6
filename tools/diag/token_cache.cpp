#include "tools/diag/token_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "tools/diag/diag_json.h"
#include "tools/diag/diag_time.h"

namespace rfneedle::diag {

TokenCache::TokenCache(std::string runtime_dir, const ControllerUrl& url) {
  if (!runtime_dir.empty()) {
    dir_ = std::filesystem::path(runtime_dir) / "rfneedle-diag";
  }
  for (const char c : url.host_header()) {
    stem_ += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') ? c : '_';
  }
}

TokenCache TokenCache::from_environment(const ControllerUrl& url) {
  const char* dir = std::getenv("XDG_RUNTIME_DIR");
  return TokenCache(dir != nullptr ? dir : "", url);
}

std::filesystem::path TokenCache::path(api::Role role) const {
  return dir_ / (stem_ + "." + (role == api::ROLE_SERVICE ? "service" : "operator") + ".token");
}

std::string TokenCache::save(const api::LoginResponse& login) const {
  if (!enabled()) {
    return "XDG_RUNTIME_DIR is not set";
  }
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    return "cannot create " + dir_.string() + ": " + std::strerror(errno);
  }
  struct stat info {};
  if (::lstat(dir_.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) || info.st_uid != ::getuid() ||
      (info.st_mode & 077) != 0) {
    return dir_.string() + " is not a directory of this user's alone (0700)";
  }
  const std::filesystem::path final_path = path(login.role());
  const std::filesystem::path temporary = final_path.string() + ".new";
  ::unlink(temporary.c_str());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return "cannot write " + temporary.string() + ": " + std::strerror(errno);
  }
  const std::string text = to_json(login) + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool closed = ::close(fd) == 0;
  if (!written || !closed || std::rename(temporary.c_str(), final_path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    return "cannot write " + final_path.string() + ": " + std::strerror(errno);
  }
  return {};
}

std::optional<api::LoginResponse> TokenCache::load(api::Role role) const {
  if (!enabled()) {
    return std::nullopt;
  }
  std::ifstream in(path(role));
  if (!in) {
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  api::LoginResponse login;
  if (!from_json(text.str(), login).empty() || login.token().empty() || login.role() != role) {
    return std::nullopt;
  }
  if (login.has_expires_at() && from_timestamp(login.expires_at()) <= wall_now()) {
    return std::nullopt;
  }
  return login;
}

std::vector<api::LoginResponse> TokenCache::all() const {
  std::vector<api::LoginResponse> out;
  for (const api::Role role : {api::ROLE_OPERATOR, api::ROLE_SERVICE}) {
    if (auto login = load(role)) {
      out.push_back(std::move(*login));
    }
  }
  return out;
}

void TokenCache::remove(api::Role role) const {
  if (enabled()) {
    ::unlink(path(role).c_str());
  }
}

}  // namespace rfneedle::diag
