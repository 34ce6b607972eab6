// The log-in tokens rfneedle-diag keeps between commands: one file per controller and role
// in $XDG_RUNTIME_DIR/rfneedle-diag/ (the directory 0700, each file 0600), holding the
// LoginResponse. $XDG_RUNTIME_DIR is the user's own tmpfs, gone at log-out and reboot;
// without it nothing is cached (login then prints the token for RFNEEDLE_TOKEN).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "proto/api.pb.h"
#include "tools/diag/diag_url.h"

namespace rfneedle::diag {

class TokenCache {
 public:
  // `runtime_dir`: $XDG_RUNTIME_DIR, empty when unset (then nothing is cached).
  TokenCache(std::string runtime_dir, const ControllerUrl& url);
  [[nodiscard]] static TokenCache from_environment(const ControllerUrl& url);

  [[nodiscard]] bool enabled() const { return !dir_.empty(); }
  [[nodiscard]] std::filesystem::path path(api::Role role) const;
  // Writes the token 0600 (replacing an older one atomically); "" or why it could not.
  [[nodiscard]] std::string save(const api::LoginResponse& login) const;
  // The cached token of `role`, if there is one and it has not expired.
  [[nodiscard]] std::optional<api::LoginResponse> load(api::Role role) const;
  // The cached roles (for logout).
  [[nodiscard]] std::vector<api::LoginResponse> all() const;
  void remove(api::Role role) const;

 private:
  std::filesystem::path dir_;
  std::string stem_;  // the controller, as a file name: "127.0.0.1_8080"
};

}  // namespace rfneedle::diag
