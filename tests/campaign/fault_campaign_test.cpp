// The fault campaign (issue 12; docs/testing.md "Fault campaign"): every pair of
// matrix.txt that is included runs on the whole device from several seeds; the result
// table in docs/safety.md (section 6.1) must equal a fresh run's.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "tests/campaign/campaign.h"

namespace rfneedle::campaign {
namespace {

constexpr const char* kBegin = "<!-- fault-campaign:begin -->";
constexpr const char* kEnd = "<!-- fault-campaign:end -->";
constexpr int kCommittedRuns = 20;

struct Arguments {
  std::string matrix;
  std::string docs;
  int runs = kCommittedRuns;
  std::string only;  // a fault's name: only its pairs (the table is then not compared)
  bool update = false;
  bool discover = false;
};
Arguments g_arguments;

const Matrix& matrix() {
  static const Matrix m = [] {
    std::string error;
    std::optional<Matrix> read = read_matrix(g_arguments.matrix, error);
    if (!read) {
      std::fprintf(stderr, "fault_campaign_test: %s\n", error.c_str());
      std::exit(2);
    }
    return *read;
  }();
  return m;
}

// A run's seed: from the pair itself (FNV-1a over its fault, parameters and state), so
// editing, adding or moving other lines of the matrix leaves its runs and figures alone.
std::uint64_t seed_of(const Pair& p, int run) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : p.fault_text + "|" + std::string(core::name(p.state))) {
    h = (h ^ static_cast<std::uint8_t>(c)) * 0x100000001b3ULL;
  }
  return (h >> 16) * 1000 + static_cast<std::uint64_t>(run) + 1;
}

bool selected(const Pair& p) {
  return g_arguments.only.empty() || sim::fault_spec(p.fault.kind()).name == g_arguments.only;
}

// The campaign, run once for every test below: results in the included pairs' order.
const std::vector<std::vector<RunResult>>& results() {
  static const std::vector<std::vector<RunResult>> all = [] {
    std::vector<std::vector<RunResult>> out;
    for (const Pair& p : matrix().pairs) {
      if (!p.included) continue;
      std::vector<RunResult>& rs = out.emplace_back();
      if (!selected(p)) continue;
      for (int i = 0; i < g_arguments.runs; ++i) {
        rs.push_back(run_pair(p, seed_of(p, i)));
      }
    }
    return out;
  }();
  return all;
}

std::string describe(const Pair& p) {
  return p.fault_text + " in " + std::string(core::name(p.state)) +
         " (matrix.txt:" + std::to_string(p.line) + ")";
}

// Every failure of the campaign's runs that `check` says concerns it; the first few with
// the last events of their run.
template <typename Check>
std::string failures(Check check) {
  std::string out;
  int shown = 0;
  std::size_t i = 0;
  for (const Pair& p : matrix().pairs) {
    if (!p.included) continue;
    for (const RunResult& r : results()[i]) {
      const std::string f = check(p, r);
      if (f.empty()) continue;
      if (!p.known_defect.empty()) {
        std::printf("known defect (%s), seed %llu: %s\n", describe(p).c_str(),
                    static_cast<unsigned long long>(r.seed), f.c_str());
        continue;
      }
      out += describe(p) + ", seed " + std::to_string(r.seed) + ": " + f + "\n" +
             (shown++ < 3 ? r.log_tail : std::string());
    }
    ++i;
  }
  return out;
}

// Every fault of the catalogue reaches the safe state from every state: none left out.
// Verifies: SR-51, SR-52
TEST(FaultCampaign, TheMatrixListsEveryFaultOfTheCatalogueInEveryState) {
  std::string missing;
  for (const sim::FaultSpec& spec : sim::fault_catalogue()) {
    for (const core::State s : kCampaignStates) {
      bool listed = false;
      for (const Pair& p : matrix().pairs) {
        listed = listed || (p.fault.kind() == spec.kind && p.state == s);
      }
      if (!listed) missing += std::string(spec.name) + " in " + std::string(core::name(s)) + "\n";
    }
  }
  EXPECT_EQ(missing, "") << "pairs matrix.txt does not list (include or exclude each, with "
                            "its reason)";
  for (const Pair& p : matrix().pairs) {
    bool campaign_state = false;
    for (const core::State s : kCampaignStates) campaign_state = campaign_state || s == p.state;
    EXPECT_TRUE(campaign_state) << describe(p) << ": not a state of the campaign";
  }
}

// A matrix line that is wrong is refused with its line and what is wrong in it.
TEST(FaultCampaign, AWrongMatrixLineIsRefusedNamingTheLineAndTheMistake) {
  const std::string path = ::testing::TempDir() + "fault_campaign_matrix.txt";
  const auto error_for = [&](const std::string& text) {
    std::ofstream(path) << "# comment\n" << text << "\n";
    std::string error;
    EXPECT_FALSE(read_matrix(path, error).has_value()) << text;
    return error;
  };
  EXPECT_EQ(error_for("link-dropp | Ready | excluded | not a fault of the catalogue"),
            path + ":2: unknown fault 'link-dropp' (not in simulator/faults.cpp's catalogue)");
  EXPECT_EQ(error_for("link-drop rate=2 | Ready | excluded | rate beyond its range here"),
            path + ":2: fault parameter 'rate=2': outside the parameter's range");
  EXPECT_EQ(error_for("estop | Armed | included | estop | high | Fault | none"),
            path + ":2: unknown state 'Armed'");
  EXPECT_EQ(error_for("estop | Ready | included | e_stop | high | Fault | none"),
            path + ":2: unknown condition 'e_stop' (controller/core/ladder.cpp's names)");
  EXPECT_EQ(error_for("estop | Ready | included | estop | urgent | Fault | none"),
            path + ":2: unknown alarm priority 'urgent' (none, low, medium, high)");
  EXPECT_EQ(error_for("estop | Ready | included | estop | high | Fault | 3 ms"),
            path +
                ":2: deadline '3 ms' is not 'none', 'N ms after the condition' or 'N ms "
                "after the injection'");
  EXPECT_EQ(error_for("estop | Ready | excluded"),
            path + ":2: an excluded pair needs its reason in the fourth field");
  EXPECT_EQ(error_for("estop pulse=60/100 | Ready | included | estop | high | Fault | none"),
            path + ":2: pulse '60/100' is not W/ms within 1-50 W, 10-1000 ms and 1.55 J");
  EXPECT_EQ(error_for("retraction-jam after=x | Inserting | excluded | an offset not a number"),
            path + ":2: after 'x' is not a number of ms from 0 to 150");
  EXPECT_EQ(error_for("estop | Ready | excluded | the first reason given\n"
                      "estop | Ready | excluded | the same pair once more"),
            path + ":3: the pair estop in Ready is already on line 2");
}

// Verifies: SR-09, SR-22, SR-39, SR-50, SR-51, SR-52
TEST(FaultCampaign, EveryIncludedPairReachesTheSafeStateInOrderWithinItsDeadline) {
  const std::string f = failures([](const Pair&, const RunResult& r) { return r.failure; });
  if (!f.empty()) ADD_FAILURE() << f;
}

// Verifies: SR-45, SR-58
TEST(FaultCampaign, EachPairRaisesItsConditionWithItsAlarmPriorityAndLogsIt) {
  const std::string f = failures([](const Pair& p, const RunResult& r) -> std::string {
    if (!r.condition) return "none of its conditions raised";
    if (r.priority != p.priority) {
      return std::string(core::spec(*r.condition).name) + " raised with priority " +
             std::string(core::name(r.priority)) + ", the matrix says " +
             std::string(core::name(p.priority));
    }
    if (!r.stored) return "its event is not in the store";
    return {};
  });
  if (!f.empty()) ADD_FAILURE() << f;
}

// Verifies: SR-69, SR-70
TEST(FaultCampaign, NoDeliveredPulseGoesUnrecorded) {
  const std::string f = failures([](const Pair&, const RunResult& r) { return r.record_failure; });
  if (!f.empty()) ADD_FAILURE() << f;
}

// A known defect that no run shows any more is fixed: its mark must go, so the pair is held
// to the matrix again.
// Verifies: SR-51
TEST(FaultCampaign, EveryKnownDefectStillShows) {
  std::size_t i = 0;
  for (const Pair& p : matrix().pairs) {
    if (!p.included) continue;
    const std::vector<RunResult>& rs = results()[i++];
    if (p.known_defect.empty() || rs.empty()) continue;
    bool shows = false;
    for (const RunResult& r : rs) {
      shows = shows || !r.failure.empty() || !r.record_failure.empty() || !r.condition ||
              r.priority != p.priority || !r.stored;
    }
    EXPECT_TRUE(shows) << describe(p)
                       << ": no run shows the known defect any more; remove "
                          "its mark from the matrix";
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The lines of `a` and `b` that differ, as a diff would show them.
std::string line_diff(const std::string& committed, const std::string& fresh) {
  const auto lines = [](const std::string& s) {
    std::vector<std::string> v;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
  };
  const std::vector<std::string> a = lines(committed), b = lines(fresh);
  const std::set<std::string> in_a(a.begin(), a.end()), in_b(b.begin(), b.end());
  std::string out;
  for (const std::string& l : a) {
    if (in_b.count(l) == 0) out += "- " + l + "\n";
  }
  for (const std::string& l : b) {
    if (in_a.count(l) == 0) out += "+ " + l + "\n";
  }
  return out;
}

// The detection and RF-off figures docs/safety.md states against section 4's deadlines.
// Verifies: SR-39, SR-52
TEST(FaultCampaign, TheCommittedResultTableMatchesAFreshRun) {
  if (g_arguments.runs != kCommittedRuns || !g_arguments.only.empty()) {
    GTEST_SKIP() << "the table holds the full campaign at " << kCommittedRuns << " runs a pair";
  }
  const std::string docs = read_file(g_arguments.docs);
  const auto begin = docs.find(kBegin);
  const auto end = docs.find(kEnd);
  ASSERT_NE(begin, std::string::npos) << g_arguments.docs << " has no " << kBegin;
  ASSERT_NE(end, std::string::npos) << g_arguments.docs << " has no " << kEnd;
  ASSERT_LT(begin, end) << g_arguments.docs << ": " << kEnd << " before " << kBegin;
  const std::size_t from = begin + std::string(kBegin).size() + 1;
  const std::string committed = docs.substr(from, end - from);
  const std::string fresh = result_table(matrix(), results());
  if (g_arguments.update) {
    if (committed != fresh) {
      std::ofstream out(g_arguments.docs);
      out << docs.substr(0, from) << fresh << docs.substr(end);
      std::printf("fault_campaign_test: rewrote the table in %s\n", g_arguments.docs.c_str());
    }
    return;
  }
  if (committed != fresh) {
    ADD_FAILURE() << "the table in " << g_arguments.docs
                  << " differs from this run (rewrite it with fault_campaign_test --update):\n"
                  << line_diff(committed, fresh);
  }
}

void discover() {
  for (const Pair& listed : matrix().pairs) {
    if (!selected(listed)) continue;
    Pair p = listed;
    p.conditions.clear();  // nothing satisfies it: every run lasts its 12 s
    for (int i = 0; i < g_arguments.runs; ++i) {
      const RunResult r = run_pair(p, seed_of(p, i));
      std::printf("%s seed %llu: injected in %s, RF %s; ends in %s\n", describe(p).c_str(),
                  static_cast<unsigned long long>(r.seed),
                  std::string(core::name(r.state_at_injection)).c_str(),
                  r.rf_on_at_injection ? "on" : "off",
                  std::string(core::name(r.end_state)).c_str());
      for (const std::string& c : r.raised) std::printf("    %s\n", c.c_str());
    }
  }
}

}  // namespace
}  // namespace rfneedle::campaign

int main(int argc, char** argv) {
  using rfneedle::campaign::g_arguments;
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&](const char* flag) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "fault_campaign_test: %s needs a value\n", flag);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--matrix") {
      g_arguments.matrix = value("--matrix");
    } else if (a == "--docs") {
      g_arguments.docs = value("--docs");
    } else if (a == "--update") {
      g_arguments.update = true;
    } else if (a == "--discover") {
      g_arguments.discover = true;
    } else if (a == "--only") {
      g_arguments.only = value("--only");
      if (!rfneedle::sim::fault_by_name(g_arguments.only)) {
        std::fprintf(stderr, "fault_campaign_test: --only: no fault '%s' in the catalogue\n",
                     g_arguments.only.c_str());
        return 2;
      }
    } else if (a == "--runs") {
      const std::string v = value("--runs");
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || n < 1 || n > 1000) {
        std::fprintf(stderr,
                     "fault_campaign_test: --runs needs a number from 1 to 1000, not '%s'\n",
                     v.c_str());
        return 2;
      }
      g_arguments.runs = static_cast<int>(n);
    } else {
      std::fprintf(stderr,
                   "fault_campaign_test: unknown argument '%s' (use --matrix FILE, --docs FILE, "
                   "--update, --runs N, --only FAULT, --discover)\n",
                   argv[i]);
      return 2;
    }
  }
  if (g_arguments.matrix.empty() || g_arguments.docs.empty()) {
    std::fprintf(stderr, "fault_campaign_test: --matrix FILE and --docs FILE are required\n");
    return 2;
  }
  if (g_arguments.discover) {
    rfneedle::campaign::discover();
    return 0;
  }
  return RUN_ALL_TESTS();
}
