// The committed bash completion script (tools/diag/rfneedle-diag.bash) offers every command
// and every option rfneedle-diag has: each is asked of the script in a real bash.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "tools/diag/cli.h"

namespace rfneedle::diag {
namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// What the script offers after `rfneedle-diag PATH CURRENT`, for each query, in one bash.
std::vector<std::set<std::string>> complete(
    const std::vector<std::pair<std::string, std::string>>& queries) {
  std::string script = "source '" RFNEEDLE_DIAG_COMPLETION "' || exit 3\n";
  for (const auto& [path, current] : queries) {
    std::string words = "rfneedle-diag";
    for (const auto& w : split(path)) words += " '" + w + "'";
    words += " '" + current + "'";
    script += "COMP_WORDS=(" + words +
              "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=();"
              " _rfneedle_diag; echo \"${COMPREPLY[*]}\"\n";
  }
  const std::string file = ::testing::TempDir() + "/completion_queries.sh";
  if (FILE* f = std::fopen(file.c_str(), "w")) {
    std::fputs(script.c_str(), f);
    std::fclose(f);
  }
  std::vector<std::set<std::string>> out;
  FILE* pipe = ::popen(("bash --norc --noprofile '" + file + "'").c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 65536> line{};
  while (std::fgets(line.data(), static_cast<int>(line.size()), pipe) != nullptr) {
    const auto words = split(line.data());
    out.emplace_back(words.begin(), words.end());
  }
  EXPECT_EQ(::pclose(pipe), 0);
  return out;
}

TEST(DiagCompletion, OffersEverySubcommandOfTheCli) {
  Options o;
  const auto app = build_cli(o);
  const CliWords words = cli_words(*app);
  std::vector<std::pair<std::string, std::string>> queries;
  for (const auto& command : words.commands) {
    const auto last_space = command.rfind(' ');
    queries.emplace_back(last_space == std::string::npos ? "" : command.substr(0, last_space), "");
  }
  const auto offered = complete(queries);
  ASSERT_EQ(offered.size(), queries.size());
  for (std::size_t i = 0; i < words.commands.size(); ++i) {
    const std::string name = split(words.commands[i]).back();
    EXPECT_TRUE(offered[i].count(name))
        << "'" << words.commands[i] << "' is not offered after '" << queries[i].first << "'";
  }
}

TEST(DiagCompletion, OffersEveryOptionOfEachCommand) {
  Options o;
  const auto app = build_cli(o);
  const CliWords words = cli_words(*app);
  std::vector<std::pair<std::string, std::string>> queries;
  std::vector<std::pair<std::string, std::string>> expected;  // path, flag
  for (const auto& [path, flags] : words.flags) {
    queries.emplace_back(path, "-");
    for (const auto& f : flags) expected.emplace_back(path, f);
  }
  // The top level's options (--url, --json, --yes, --help) are offered after every command.
  for (const auto& command : words.commands) {
    queries.emplace_back(command, "-");
    for (const auto& f : words.flags.at("")) expected.emplace_back(command, f);
  }
  const auto offered = complete(queries);
  ASSERT_EQ(offered.size(), queries.size());
  std::map<std::string, std::set<std::string>> by_path;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    by_path[queries[i].first].insert(offered[i].begin(), offered[i].end());
  }
  ASSERT_GT(expected.size(), 40u);
  for (const auto& [path, flag] : expected) {
    EXPECT_TRUE(by_path[path].count(flag))
        << "'" << flag << "' is not offered for 'rfneedle-diag " << path << "'";
  }
}

TEST(DiagCompletion, OffersTheValuesOfChoiceOptions) {
  const auto offered = complete({{"events --severity", ""},
                                 {"sessions export 1 --format", ""},
                                 {"events -o", ""},
                                 {"login --role", "o"}});
  ASSERT_EQ(offered.size(), 4u);
  EXPECT_EQ(offered[0].size(), 7u);
  EXPECT_EQ(offered[1], (std::set<std::string>{"csv", "json", "fhir"}));
  EXPECT_EQ(offered[2], (std::set<std::string>{"short-iso", "json"}));
  EXPECT_EQ(offered[3], (std::set<std::string>{"operator"}));
}

}  // namespace
}  // namespace rfneedle::diag
