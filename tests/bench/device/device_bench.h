// What every device benchmark program shares: where the programs under test are, a scratch
// directory for their links, sockets and files, and how a failure is reported (a message on
// stderr naming what went wrong, exit status 1; bad flags exit 2).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace rfneedle::bench {

// A failure that ends the benchmark: what was being done and what went wrong.
class BenchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `dir`/`name`, which must be an executable file; throws BenchError naming it otherwise.
[[nodiscard]] std::filesystem::path program_in(const std::filesystem::path& dir,
                                               std::string_view name);
// The first executable `name` on $PATH, if any.
[[nodiscard]] std::optional<std::filesystem::path> find_on_path(std::string_view name);

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class ScratchDir {
 public:
  explicit ScratchDir(std::string_view prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs `body`, turning a BenchError or any other exception into "<program>: error: ..." on
// stderr and exit status 1.
int run_reporting_errors(std::string_view program, const std::function<int()>& body);

}  // namespace rfneedle::bench
