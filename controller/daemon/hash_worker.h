// The service thread's worker for slow work (DESIGN 6): one thread, one job at a time, so
// a burst of log-ins never delays STOP or a snapshot; a job offered while one runs is
// refused at once (the API answers 429). The result comes back through `post`, which the
// server points at its io_context.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace rfneedle::daemon {

class HashWorker {
 public:
  using Post = std::function<void(std::function<void()>)>;
  explicit HashWorker(Post post);
  ~HashWorker();
  HashWorker(const HashWorker&) = delete;
  HashWorker& operator=(const HashWorker&) = delete;

  // Runs `job` on the worker and then `done(result)` through `post`; false if busy.
  [[nodiscard]] bool try_run(std::function<bool()> job, std::function<void(bool)> done);

 private:
  void run();

  Post post_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::function<bool()> job_;
  std::function<void(bool)> done_;
  bool busy_ = false;
  bool quit_ = false;
  std::thread thread_;
};

}  // namespace rfneedle::daemon
