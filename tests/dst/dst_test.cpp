// The deterministic simulation's sessions (tests/dst/dst.h) under GoogleTest: one run of
// many seeded random treatments, then one test per invariant over all of them.
//
//   dst_test [--first N] [--count M]     seeds N .. N+M-1 (default 1, 200)
//            [--long-every K]            seeds divisible by K are long sessions (default 10)
//            [--regressions FILE]        also every seed listed in FILE (the committed list)
//            [--soak M]                  M sessions from seed 1 000 000 on
//            [--seed N]                  one seed, its log printed as it runs (a replay)
//            [gtest options]
//
// A broken invariant prints the seed, the invariant, what was seen and the last lines of
// the session's log; `dst_test --seed N` replays it exactly (the same log hash).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/dst/dst.h"

namespace rfneedle::dst {
namespace {

// A seed with the long-session spacing it ran under (which decides its length class).
struct Seed {
  std::uint64_t seed = 0;
  std::uint64_t long_every = 10;
};

struct Arguments {
  std::uint64_t first = 1;
  std::uint64_t count = 200;
  std::vector<Seed> regressions;
  std::optional<std::uint64_t> replay;
  std::uint64_t long_every = 10;
};

Arguments g_arguments;

std::uint64_t parse_number(const char* flag, const char* text) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0') {
    std::fprintf(stderr, "dst_test: %s needs a non-negative integer, got '%s'\n", flag, text);
    std::exit(2);
  }
  return v;
}

// Lines "SEED [LONG_EVERY]  # why", LONG_EVERY 10 when left out.
std::vector<Seed> read_regressions(const char* path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "dst_test: cannot read the regression seed list '%s'\n", path);
    std::exit(2);
  }
  std::vector<Seed> seeds;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string word;
    std::vector<std::uint64_t> values;
    while (words >> word) {
      char* end = nullptr;
      const unsigned long long v = std::strtoull(word.c_str(), &end, 10);
      if (*end != '\0' || word[0] == '-') {
        std::fprintf(stderr, "dst_test: %s:%d: '%s' is not a non-negative integer\n", path,
                     number, word.c_str());
        std::exit(2);
      }
      values.push_back(v);
    }
    if (values.empty()) continue;
    if (values.size() > 2 || (values.size() == 2 && values[1] == 0)) {
      std::fprintf(stderr, "dst_test: %s:%d: expected 'SEED [LONG_EVERY]' (LONG_EVERY > 0)\n",
                   path, number);
      std::exit(2);
    }
    seeds.push_back(Seed{values[0], values.size() == 2 ? values[1] : 10});
  }
  return seeds;
}

struct Campaign {
  std::vector<SessionResult> results;
  std::vector<std::uint64_t> long_every;  // by result
  double wall_seconds = 0;
};

void print_failure(const SessionResult& r, std::uint64_t long_every) {
  std::printf(
      "DST FAILURE seed %llu (%s session): invariant %s broken at %.3f s: %s\n"
      "  replay: dst_test --seed %llu --long-every %llu\n  last events:\n%s",
      static_cast<unsigned long long>(r.seed), r.long_session ? "long" : "short",
      std::string(name(r.violation->invariant)).c_str(),
      static_cast<double>(r.violation->at.time_since_epoch().count()) / 1e6,
      r.violation->what.c_str(), static_cast<unsigned long long>(r.seed),
      static_cast<unsigned long long>(long_every), r.last_events.c_str());
}

Campaign run_campaign() {
  Campaign c;
  std::vector<Seed> seeds;
  if (g_arguments.replay) {
    seeds.push_back(Seed{*g_arguments.replay, g_arguments.long_every});
  } else {
    seeds = g_arguments.regressions;
    for (std::uint64_t s = g_arguments.first; s < g_arguments.first + g_arguments.count; ++s) {
      seeds.push_back(Seed{s, g_arguments.long_every});
    }
  }
  const auto start = std::chrono::steady_clock::now();
  for (const auto& [seed, long_every] : seeds) {
    SessionOptions o;
    o.seed = seed;
    o.long_every = long_every;
    o.verbose = g_arguments.replay.has_value();
    c.results.push_back(run_session(o));
    c.long_every.push_back(long_every);
    const SessionResult& r = c.results.back();
    if (r.violation) {
      print_failure(r, long_every);
    }
    if (r.long_session && !g_arguments.replay) {
      std::printf("dst: long session seed %llu: %.0f s simulated, %d pulses, peak skin %.2f degC\n",
                  static_cast<unsigned long long>(seed),
                  static_cast<double>(r.simulated.count()) / 1e6, r.pulses_delivered,
                  static_cast<double>(r.peak_skin.value()) / 1000);
    }
    if (g_arguments.replay) {
      std::printf("seed %llu: %s, %.1f s simulated, %d pulses delivered, %d stored, hash %016llx\n",
                  static_cast<unsigned long long>(seed), r.violation ? "FAILED" : "passed",
                  static_cast<double>(r.simulated.count()) / 1e6, r.pulses_delivered,
                  r.pulses_stored, static_cast<unsigned long long>(r.hash));
    }
  }
  c.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The summary: what the sessions exercised.
  int pulses = 0, stored = 0, crashes = 0, faults = 0, reconciled = 0, longs = 0, failed = 0;
  double simulated = 0;
  MilliCelsius peak{}, peak_long{};
  for (const SessionResult& r : c.results) {
    pulses += r.pulses_delivered;
    stored += r.pulses_stored;
    crashes += r.crashes;
    faults += r.faults_injected;
    reconciled += r.reconciled;
    longs += r.long_session ? 1 : 0;
    failed += r.violation ? 1 : 0;
    simulated += static_cast<double>(r.simulated.count()) / 1e6;
    peak = std::max(peak, r.peak_skin);
    if (r.long_session) peak_long = std::max(peak_long, r.peak_skin);
  }
  std::printf(
      "dst: %zu sessions (%d long), %.0f s simulated in %.1f s (%.0fx), %d pulses delivered, "
      "%d recorded, %d faults injected, %d controller crashes, %d records reconciled from "
      "the pulse log; peak skin %.2f degC (long sessions %.2f degC); %d failed\n",
      c.results.size(), longs, simulated, c.wall_seconds,
      c.wall_seconds > 0 ? simulated / c.wall_seconds : 0.0, pulses, stored, faults, crashes,
      reconciled, static_cast<double>(peak.value()) / 1000,
      static_cast<double>(peak_long.value()) / 1000, failed);
  return c;
}

const Campaign& campaign() {
  static const Campaign c = run_campaign();
  return c;
}

// The seeds that broke `invariant`, for the test's message.
std::string broken(Invariant invariant) {
  std::string seeds;
  for (const SessionResult& r : campaign().results) {
    if (r.violation && r.violation->invariant == invariant) {
      seeds += " " + std::to_string(r.seed);
    }
  }
  return seeds;
}

// Verifies: SR-06, SR-51, SR-65, SR-66
TEST(DeterministicSimulation, RfIsCommandedOnlyInEnergizingAtThePlannedDepth) {
  EXPECT_EQ(broken(Invariant::kRfCommandedOnlyInEnergizing), "");
}

// Verifies: SR-21, SR-22, SR-39, SR-40, SR-52
TEST(DeterministicSimulation, RfMeasuredOutsideEnergizingEndsWithinItsDeadline) {
  EXPECT_EQ(broken(Invariant::kRfOutsideEndsInTime), "");
}

// Verifies: SR-09, SR-30, SR-51, SR-52
TEST(DeterministicSimulation, EveryFaultReachesTheSafeStateInOrderWithinItsDeadline) {
  EXPECT_EQ(broken(Invariant::kFaultSafeStateInOrder), "");
}

// Verifies: SR-01, SR-02, SR-03, SR-16, SR-18, SR-19, SR-62, SR-63
TEST(DeterministicSimulation, PlansStayWithinTheEnvelopeAndTheCartridge) {
  EXPECT_EQ(broken(Invariant::kPlanWithinEnvelope), "");
}

// Verifies: SR-68, SR-69, SR-70
TEST(DeterministicSimulation, EveryDeliveredPulseIsRecordedExactlyOnceAcrossRestarts) {
  EXPECT_EQ(broken(Invariant::kPulseRecordedOnce), "");
}

// Verifies: SR-53, SR-54
TEST(DeterministicSimulation, LatchesSurviveControllerRestarts) {
  EXPECT_EQ(broken(Invariant::kLatchesSurviveRestart), "");
}

// The sessions must exercise the device, or the invariants above say nothing.
TEST(DeterministicSimulation, TheSessionsDeliverPulsesUnderFaultsAndCrashes) {
  const Campaign& c = campaign();
  int pulses = 0, faults = 0;
  for (const SessionResult& r : c.results) {
    pulses += r.pulses_delivered;
    faults += r.faults_injected;
  }
  EXPECT_GT(pulses, static_cast<int>(c.results.size()));
  if (c.results.size() >= 20) {
    EXPECT_GT(faults, static_cast<int>(c.results.size()));
  }
}

// Long sessions: at least 20 simulated minutes with hundreds of pulses (H-02).
TEST(DeterministicSimulation, LongSessionsLastTwentyMinutesWithHundredsOfPulses) {
  for (const SessionResult& r : campaign().results) {
    if (!r.long_session) continue;
    EXPECT_GE(r.simulated, std::chrono::minutes(20)) << "seed " << r.seed;
    EXPECT_GE(r.pulses_delivered, 100) << "seed " << r.seed;
  }
}

TEST(DeterministicSimulation, ASeedReplaysExactly) {
  if (g_arguments.replay) GTEST_SKIP() << "replaying one seed";
  if (campaign().results.empty()) GTEST_SKIP() << "no sessions";
  const SessionResult& first = campaign().results.front();
  SessionOptions o;
  o.seed = first.seed;
  o.long_every = campaign().long_every.front();
  const SessionResult again = run_session(o);
  EXPECT_EQ(again.hash, first.hash) << "seed " << first.seed;
  EXPECT_EQ(again.pulses_delivered, first.pulses_delivered);
}

}  // namespace
}  // namespace rfneedle::dst

int main(int argc, char** argv) {
  using rfneedle::dst::g_arguments;
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&](const char* flag) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "dst_test: %s needs a value\n", flag);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--first") {
      g_arguments.first = rfneedle::dst::parse_number("--first", value("--first"));
    } else if (a == "--count") {
      g_arguments.count = rfneedle::dst::parse_number("--count", value("--count"));
    } else if (a == "--soak") {
      g_arguments.first = 1'000'000;
      g_arguments.count = rfneedle::dst::parse_number("--soak", value("--soak"));
    } else if (a == "--seed") {
      g_arguments.replay = rfneedle::dst::parse_number("--seed", value("--seed"));
    } else if (a == "--long-every") {
      g_arguments.long_every = rfneedle::dst::parse_number("--long-every", value("--long-every"));
      if (g_arguments.long_every == 0) {
        std::fprintf(stderr, "dst_test: --long-every needs a positive integer\n");
        return 2;
      }
    } else if (a == "--regressions") {
      g_arguments.regressions = rfneedle::dst::read_regressions(value("--regressions"));
    } else {
      std::fprintf(stderr,
                   "dst_test: unknown argument '%s' (use --first N, --count M, --soak M, "
                   "--seed N, --long-every K, --regressions FILE)\n",
                   argv[i]);
      return 2;
    }
  }
  return RUN_ALL_TESTS();
}
