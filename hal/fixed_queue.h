// A first-in first-out queue over a fixed array: the link's send queues never allocate
// and never grow past their capacity (DESIGN 3: bounded queues; STYLE: no heap on hot paths).
#pragma once

#include <array>
#include <cstddef>
#include <utility>

namespace rfneedle::hal {

template <typename T, std::size_t Capacity>
class FixedQueue {
 public:
  static_assert(Capacity > 0);

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] bool full() const { return size_ == Capacity; }
  [[nodiscard]] static constexpr std::size_t capacity() { return Capacity; }

  // Index 0 is the oldest element.
  [[nodiscard]] T& operator[](std::size_t i) { return slots_[(head_ + i) % Capacity]; }
  [[nodiscard]] const T& operator[](std::size_t i) const { return slots_[(head_ + i) % Capacity]; }
  [[nodiscard]] T& front() { return (*this)[0]; }
  [[nodiscard]] T& back() { return (*this)[size_ - 1]; }

  // Returns a slot to fill, or nullptr when full: a full queue is the caller's to handle.
  [[nodiscard]] T* push_back() {
    if (full()) {
      return nullptr;
    }
    ++size_;
    return &back();
  }

  void pop_front() {
    if (empty()) {
      return;
    }
    head_ = (head_ + 1) % Capacity;
    --size_;
  }

  // Removes element i, keeping the others in order.
  void erase(std::size_t i) {
    if (i >= size_) {
      return;
    }
    for (std::size_t k = i; k + 1 < size_; ++k) {
      std::swap((*this)[k], (*this)[k + 1]);
    }
    --size_;
  }

  void clear() {
    head_ = 0;
    size_ = 0;
  }

 private:
  std::array<T, Capacity> slots_{};
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace rfneedle::hal
