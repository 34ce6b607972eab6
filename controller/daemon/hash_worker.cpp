#include "controller/daemon/hash_worker.h"

namespace rfneedle::daemon {

HashWorker::HashWorker(Post post) : post_(std::move(post)), thread_([this] { run(); }) {}

HashWorker::~HashWorker() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

bool HashWorker::try_run(std::function<bool()> job, std::function<void(bool)> done) {
  {
    std::lock_guard lock(mutex_);
    if (busy_ || quit_) {
      return false;
    }
    busy_ = true;
    job_ = std::move(job);
    done_ = std::move(done);
  }
  wake_.notify_one();
  return true;
}

void HashWorker::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return quit_ || job_; });
    if (quit_) {
      return;
    }
    auto job = std::move(job_);
    auto done = std::move(done_);
    job_ = nullptr;
    lock.unlock();
    const bool result = job();
    lock.lock();
    // Busy until the result is handed over, so at most one hash runs at any time.
    busy_ = false;
    post_([done = std::move(done), result] { done(result); });
  }
}

}  // namespace rfneedle::daemon
