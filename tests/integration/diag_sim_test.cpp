// rfneedle-diag sim faults --json: the simulator's catalogue and what an injection or a clear
// did, as diag_output.proto's SimFaultCatalogue and SimFaultChange in the API's JSON mapping
// (docs/operations.md, "rfneedle-diag"), never the simulator's own reply line; checked
// against the simulator's history.
#include <google/protobuf/util/json_util.h>

#include "tests/integration/diag_cli_fixture.h"

namespace rfneedle::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The one line `out` holds, which must be `message` in the mapping every --json output uses:
// proto field names, every primitive field printed.
template <typename M>
M one_message(const std::string& out) {
  M message;
  const auto lines = lines_of(out);
  EXPECT_EQ(lines.size(), 1u) << out;
  if (lines.empty()) return message;
  EXPECT_EQ(parse_error(lines[0], message), "") << lines[0];
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string printed;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &printed, options).ok());
  EXPECT_EQ(lines[0], printed);
  return message;
}

TEST_F(DiagCliTest, SimFaultsJsonIsTheCatalogueAndEachChangeAsDiagOutputMessages) {
  start();
  login_service();

  RunResult r = diag({"sim", "faults", "list", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto catalogue = one_message<diag::SimFaultCatalogue>(r.out);
  std::vector<std::string> names;
  const diag::SimFault* drift = nullptr;
  for (const auto& f : catalogue.faults()) {
    names.push_back(f.name());
    if (f.name() == "power-drift") drift = &f;
  }
  // docs/simulator.md, "Faults": the catalogue in its order, first and last.
  ASSERT_GE(names.size(), 2u);
  EXPECT_EQ(names.front(), "link-drop");
  EXPECT_EQ(names.back(), "estop");
  ASSERT_NE(drift, nullptr);
  EXPECT_EQ(drift->affects(), "generator board: RF output stage");
  ASSERT_EQ(drift->parameters_size(), 2);
  EXPECT_EQ(drift->parameters(0).name(), "rate");
  EXPECT_EQ(drift->parameters(0).unit(), "%/s");
  EXPECT_EQ(drift->parameters(0).default_value(), 20);
  EXPECT_EQ(drift->parameters(1).name(), "limit");
  EXPECT_EQ(drift->parameters(1).default_value(), 50);
  // The human table is made from the same catalogue.
  r = diag({"sim", "faults", "list"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(lines_of(r.out).size(), names.size() + 1);  // a header, one row a fault
  EXPECT_THAT(r.out, HasSubstr("rate=20%/s limit=50%"));

  r = diag(
      {"sim", "faults", "inject", "power-drift", "--for", "60000", "rate=30", "--yes", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto change = one_message<diag::SimFaultChange>(r.out);
  EXPECT_EQ(change.action(), "inject");
  EXPECT_EQ(change.fault(), "power-drift");
  EXPECT_EQ(change.for_ms(), 60000u);
  EXPECT_THAT(change.parameters(), ElementsAre("rate=30"));
  SimHistory history = device_->history();
  const SimInjection* injected = history.injection("power-drift");
  ASSERT_NE(injected, nullptr);
  ASSERT_TRUE(injected->until_us.has_value());
  EXPECT_EQ(*injected->until_us - injected->at_us, 60'000'000);

  // Until cleared, then cleared by name: the one injection it ended.
  r = diag({"sim", "faults", "inject", "impedance-drift", "--yes", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(one_message<diag::SimFaultChange>(r.out).for_ms(), 0u);
  ASSERT_NE(device_->history().injection("impedance-drift"), nullptr);
  EXPECT_FALSE(device_->history().injection("impedance-drift")->until_us.has_value());
  r = diag({"sim", "faults", "clear", "impedance-drift", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  change = one_message<diag::SimFaultChange>(r.out);
  EXPECT_EQ(change.action(), "clear");
  EXPECT_EQ(change.fault(), "impedance-drift");
  EXPECT_EQ(change.cleared(), 1u);
  EXPECT_TRUE(device_->history().injection("impedance-drift")->until_us.has_value());

  // Every fault: the power drift still running, ended before its minute was out.
  r = diag({"sim", "faults", "clear", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  change = one_message<diag::SimFaultChange>(r.out);
  EXPECT_EQ(change.fault(), "all");
  EXPECT_EQ(change.cleared(), 1u);
  history = device_->history();
  injected = history.injection("power-drift");
  ASSERT_NE(injected, nullptr);
  EXPECT_LT(*injected->until_us - injected->at_us, 60'000'000);

  // The simulator's refusal is the CLI's exit 5, with nothing on standard output.
  r = diag({"sim", "faults", "inject", "power-drift", "rate=not-a-number", "--yes", "--json"});
  EXPECT_EQ(r.status, 5) << r.err;
  EXPECT_THAT(r.err, HasSubstr("the simulator refused"));
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace rfneedle::testing
