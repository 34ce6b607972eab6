// api_status_rps: a load of `GET /api/v1/status` on rfneedled, as the touchscreen reads it
// (the display header, no token), over several keep-alive connections, each sending its
// next request as soon as the previous answer arrived. It runs on its own thread (one
// io_context for every connection) until stopped, and counts the answers.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>

namespace rfneedle::bench {

struct LoadResult {
  std::uint64_t answered = 0;  // 200 OK
  std::uint64_t failed = 0;    // any other status, a timeout, a refused connection
  std::chrono::duration<double> elapsed{};
  LoadResult& operator+=(const LoadResult& more) {
    answered += more.answered;
    failed += more.failed;
    elapsed += more.elapsed;
    return *this;
  }
  [[nodiscard]] double per_second() const {
    return elapsed.count() > 0 ? static_cast<double>(answered) / elapsed.count() : 0.0;
  }
};

class StatusLoad {
 public:
  StatusLoad(std::uint16_t port, int connections);
  ~StatusLoad();
  StatusLoad(const StatusLoad&) = delete;
  StatusLoad& operator=(const StatusLoad&) = delete;

  // Stops every connection after its current request and returns what the load did.
  LoadResult stop();

  struct Shared;  // the connections' io_context and counters

 private:
  std::shared_ptr<Shared> shared_;
  std::thread thread_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace rfneedle::bench
