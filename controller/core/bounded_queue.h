// A fixed-capacity sequence for the core's outputs: no allocation after construction, so
// the sample path stays allocation-free (STYLE: no heap on the hot path).
#pragma once

#include <array>
#include <cstddef>
#include <span>

namespace rfneedle::core {

template <typename T, std::size_t N>
class BoundedQueue {
 public:
  // False when full: the caller treats a lost output as a broken invariant.
  [[nodiscard]] bool push_back(const T& item) {
    if (size_ == N) {
      return false;
    }
    items_[size_++] = item;
    return true;
  }
  // For RF-off decisions, which go ahead of anything queued (DESIGN 3).
  [[nodiscard]] bool push_front(const T& item) {
    if (size_ == N) {
      return false;
    }
    for (std::size_t i = size_; i > 0; --i) {
      items_[i] = items_[i - 1];
    }
    items_[0] = item;
    ++size_;
    return true;
  }
  // Drops every queued item the predicate selects, keeping the order of the rest.
  template <typename Predicate>
  void remove_if(Predicate drop) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < size_; ++i) {
      if (!drop(items_[i])) {
        items_[kept++] = items_[i];
      }
    }
    size_ = kept;
  }
  // Takes the first item out (the queue must not be empty). Taking items one at a time
  // lets a later RF-off still void what is queued behind the one being handled (SR-38).
  [[nodiscard]] T pop_front() {
    T first = items_[0];
    for (std::size_t i = 1; i < size_; ++i) {
      items_[i - 1] = items_[i];
    }
    --size_;
    return first;
  }
  void clear() { size_ = 0; }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] const T& operator[](std::size_t i) const { return items_[i]; }
  [[nodiscard]] std::span<const T> items() const { return {items_.data(), size_}; }
  [[nodiscard]] const T* begin() const { return items_.data(); }
  [[nodiscard]] const T* end() const { return items_.data() + size_; }

 private:
  std::array<T, N> items_{};
  std::size_t size_ = 0;
};

}  // namespace rfneedle::core
