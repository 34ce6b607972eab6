// A bounded lock-free queue between exactly one producer thread and one consumer thread
// (DESIGN 6: the safety and service threads meet only through these). Fixed capacity,
// slots allocated once at construction; try_push and try_pop never block, never allocate
// and never wait for the other side (SR-71): a full queue refuses, an empty one says so.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <utility>

namespace rfneedle::daemon {

template <typename T>
class SpscQueue {
 public:
  // Holds up to `capacity` items.
  explicit SpscQueue(std::size_t capacity)
      : capacity_(capacity + 1), slots_(std::make_unique<T[]>(capacity + 1)) {}
  SpscQueue(const SpscQueue&) = delete;
  SpscQueue& operator=(const SpscQueue&) = delete;

  // Producer only. False (and `item` untouched) when full.
  [[nodiscard]] bool try_push(T&& item) {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    const std::size_t next = advance(tail);
    if (next == head_cache_) {
      head_cache_ = head_.load(std::memory_order_acquire);
      if (next == head_cache_) {
        return false;
      }
    }
    slots_[tail] = std::move(item);
    tail_.store(next, std::memory_order_release);
    return true;
  }
  [[nodiscard]] bool try_push(const T& item) {
    T copy = item;
    return try_push(std::move(copy));
  }

  // Consumer only. False when empty.
  [[nodiscard]] bool try_pop(T& out) {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_cache_) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (head == tail_cache_) {
        return false;
      }
    }
    out = std::move(slots_[head]);
    head_.store(advance(head), std::memory_order_release);
    return true;
  }

  [[nodiscard]] std::size_t capacity() const { return capacity_ - 1; }
  // How many items it holds: from any thread, a moment's value while either side works
  // (GET /metrics).
  [[nodiscard]] std::size_t size_approx() const {
    const std::size_t head = head_.load(std::memory_order_acquire);
    const std::size_t tail = tail_.load(std::memory_order_acquire);
    return tail >= head ? tail - head : capacity_ - head + tail;
  }
  // Either side: a snapshot that may already be stale when it returns.
  [[nodiscard]] bool empty_approx() const {
    return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_acquire);
  }

 private:
  [[nodiscard]] std::size_t advance(std::size_t i) const { return i + 1 == capacity_ ? 0 : i + 1; }

  // One slot stays free, so "full" and "empty" differ without a shared count.
  const std::size_t capacity_;
  std::unique_ptr<T[]> slots_;
  // Each index on its own cache line, with the other side's last seen value beside it so
  // most calls touch no shared line (as in Rigtorp's SPSCQueue).
  alignas(64) std::atomic<std::size_t> head_{0};
  std::size_t tail_cache_ = 0;  // consumer's copy of tail_
  alignas(64) std::atomic<std::size_t> tail_{0};
  std::size_t head_cache_ = 0;  // producer's copy of head_
};

}  // namespace rfneedle::daemon
