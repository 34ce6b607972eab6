// The state machine as data (DESIGN 4): every (state, stimulus) pair is either a transition
// or an explicit rejection with its reason. No framework; the core looks the pair up, and
// logs every rejection.
#pragma once

#include <array>
#include <string_view>

#include "controller/core/state.h"
#include "controller/core/stimulus.h"

namespace rfneedle::core {

struct Transition {
  State next;
  // Empty for an accepted transition (including a deliberate stay in the same state).
  std::string_view rejection;

  [[nodiscard]] constexpr bool accepted() const { return rejection.empty(); }
};

using TransitionTable = std::array<std::array<Transition, kStimulusCount>, kStateCount>;

[[nodiscard]] const TransitionTable& transition_table();

[[nodiscard]] inline Transition transition(State from, Stimulus stimulus) {
  return transition_table()[static_cast<std::size_t>(from)][static_cast<std::size_t>(stimulus)];
}

}  // namespace rfneedle::core
