#include "tests/bench/device/reaction_run.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace rfneedle::bench {
namespace {

using std::chrono::milliseconds;
using testing::DeviceError;
using Clock = std::chrono::steady_clock;

bool pulse_in_progress(api::State s) {
  return s == api::STATE_INSERTING || s == api::STATE_MEASURING || s == api::STATE_ENERGIZING ||
         s == api::STATE_RETRACTING;
}

bool telemetry_gap(const std::string& condition) {
  return condition == "generator_telemetry_gap" || condition == "actuator_telemetry_gap";
}

// How often one treatment may be started again after a fault between its steps.
constexpr int kAttempts = 5;

bool raised(const api::Event& e) { return e.kind() == api::EVENT_KIND_CONDITION_RAISED; }

bool has_condition(const api::Status& s, std::string_view name) {
  return std::any_of(s.conditions().begin(), s.conditions().end(),
                     [&](const api::ActiveCondition& c) { return c.name() == name; });
}

// A field of the simulator's status answer that SimStatus does not carry.
std::int64_t status_field(const std::string& json, const std::string& field) {
  const std::string key = "\"" + field + "\":";
  const std::size_t at = json.find(key);
  if (at == std::string::npos) {
    throw DeviceError("no " + field + " in the simulator's status: " + json);
  }
  return std::strtoll(json.c_str() + at + key.size(), nullptr, 10);
}

}  // namespace

std::vector<const FaultRecipe*> fault_order(int faults, std::mt19937_64& random) {
  std::vector<const FaultRecipe*> order;
  for (int i = 0; i < faults; ++i) {
    order.push_back(&kFaultRecipes[static_cast<std::size_t>(i) % kFaultRecipes.size()]);
  }
  std::shuffle(order.begin(), order.end(), random);
  return order;
}

ReactionRun::ReactionRun(testing::DeviceProcesses& device, testing::DisplayClient& display,
                         const ReactionRunOptions& options, std::mt19937_64& random,
                         ReactionTotals& totals)
    : device_(device), display_(display), options_(options), random_(random), totals_(totals) {}

const std::string& ReactionRun::service_token() {
  // Service tokens last 1 h: a fresh one for each reset keeps a long run valid.
  service_token_ = device_.login_service();
  return service_token_;
}

void ReactionRun::run(std::vector<const FaultRecipe*>& order, std::size_t& next) {
  operator_token_ = device_.login_operator();
  run_first_event_ = display_.event_count();
  try {
    run_each(order, next);
  } catch (const DeviceLost&) {
    totals_.host_gap_faults += count_gap_faults();
    throw;
  } catch (const testing::DeviceError& e) {
    totals_.host_gap_faults += count_gap_faults();
    if (has_condition(device_.status(), "link_fault")) {
      throw DeviceLost(e.what());
    }
    throw;
  }
  totals_.host_gap_faults += count_gap_faults();
}

void ReactionRun::run_each(std::vector<const FaultRecipe*>& order, std::size_t& next) {
  const auto start = Clock::now();
  int attempts = 0;
  while (next < order.size()) {
    treatment_ = next + 1;
    try {
      treat_with(*order[next]);
    } catch (const DeviceLost&) {
      throw;
    } catch (const testing::DeviceError& e) {
      // A fault the host's scheduling caused between two steps (a telemetry gap while
      // arming, say) makes the core refuse the next one: the treatment starts again.
      const api::Status s = device_.status();
      if (has_condition(s, "link_fault")) {
        throw DeviceLost(e.what());
      }
      if (++attempts > kAttempts) {
        throw;
      }
      std::fprintf(stderr, "reaction_bench: treatment %zu again (%s): %s\n", treatment_,
                   api::State_Name(s.state()).c_str(), e.what());
      continue;
    }
    attempts = 0;
    ++next;
    extend_while_short(order, next);
    if (treatment_ % 20 == 0 || treatment_ == order.size()) {
      std::fprintf(stderr,
                   "reaction_bench: %zu/%zu faults injected, %zu measured, %d unmeasured "
                   "(%.0f s on this device)\n",
                   treatment_, order.size(), totals_.reactions_ms.size(), totals_.unmeasured,
                   std::chrono::duration<double>(Clock::now() - start).count());
    }
  }
  back_to_standby();
}

void ReactionRun::extend_while_short(std::vector<const FaultRecipe*>& order, std::size_t next) {
  // A fault a host gap preempted measured nothing: inject another in its place, up to
  // twice the faults asked for, so the figures rest on as many reactions as asked.
  const auto wanted = static_cast<std::size_t>(options_.faults);
  const std::size_t measured = totals_.reactions_ms.size();
  if (next < order.size() || measured >= wanted || order.size() >= 2 * wanted) {
    return;
  }
  const auto more = fault_order(
      static_cast<int>(std::min(wanted - measured, 2 * wanted - order.size())), random_);
  order.insert(order.end(), more.begin(), more.end());
}

int ReactionRun::count_gap_faults() const {
  const auto events = display_.events(run_first_event_);
  return static_cast<int>(std::count_if(events.begin(), events.end(), [](const api::Event& e) {
    return raised(e) && telemetry_gap(e.condition());
  }));
}

void ReactionRun::treat_with(const FaultRecipe& recipe) {
  device_.control("clear all");  // nothing left over from a treatment started again
  back_to_standby();
  swap_cartridge();
  if (recipe.warm_skin) {
    wait_for_skin_to_cool();
    char warm[64];
    std::snprintf(warm, sizeof warm, "inject skin-heating target=%.1f rate=5", kWarmSkinC);
    device_.control(warm);
  }
  char patient[32];
  std::snprintf(patient, sizeof patient, "BENCH-%06zu", ++sessions_opened_);
  (void)device_.open_session(operator_token_, api::BODY_AREA_CHEEK, patient);
  device_.set_parameters(operator_token_,
                         testing::DeviceProcesses::parameters(options_.depth_um, options_.power_mw,
                                                              options_.duration_ms));
  if (recipe.warm_skin) {
    warm_skin();
  }
  device_.arm(operator_token_);
  wait_until_ready();

  const std::size_t first_event = display_.event_count();
  device_.control("trigger press");
  if (!wait_for_rf(true, std::chrono::seconds(2))) {
    // Ended before this poll saw it (a telemetry gap fault at its start, say) or never began.
    device_.control("trigger release");
    classify(recipe, {std::nullopt, "RF was not seen on after the trigger press"}, first_event);
    return;
  }
  std::uniform_int_distribution<int> delay(options_.earliest_injection_ms,
                                           options_.latest_injection_ms);
  std::this_thread::sleep_for(milliseconds(delay(random_)));
  device_.control(std::string(recipe.inject));
  const bool ended = wait_for_rf(false, std::chrono::seconds(2));
  device_.control("clear " + std::string(recipe.sim_fault));
  if (recipe.warm_skin) {
    device_.control("clear skin-heating");
  }
  device_.control("trigger release");
  if (!ended) {
    throw DeviceError("RF still on 2 s after injecting " + std::string(recipe.sim_fault));
  }
  const ReactionOrWhy measured =
      reaction_from(device_.history(), recipe, std::int64_t{options_.duration_ms} * 1000);
  // The core's events reach the display once stored: wait for the state to settle and the
  // condition's event (or the gap fault that came first) to arrive.
  const auto give_up = Clock::now() + std::chrono::seconds(2);
  while (Clock::now() < give_up) {
    const auto events = display_.events(first_event);
    if (std::any_of(events.begin(), events.end(), [&](const api::Event& e) {
          return raised(e) && (e.condition() == recipe.condition || telemetry_gap(e.condition()));
        })) {
      break;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  classify(recipe, measured, first_event);
}

void ReactionRun::classify(const FaultRecipe& recipe, const ReactionOrWhy& measured,
                           std::size_t first_event) {
  std::string first_fault;  // the first fault-rung (or more severe) cause raised, or ""
  bool caught = false;
  for (const api::Event& e : display_.events(first_event)) {
    if (!raised(e)) {
      continue;
    }
    if (e.condition() == recipe.condition) {
      caught = true;
      break;
    }
    if (telemetry_gap(e.condition())) {
      first_fault = e.condition();
      break;
    }
  }
  if (caught && measured.reaction) {
    const double ms = static_cast<double>(measured.reaction->reaction_us()) / 1000.0;
    std::fprintf(
        stderr,
        "reaction_bench: treatment %zu (%.*s): condition at %lld us, RF off at %lld us: %.3f ms\n",
        treatment_, static_cast<int>(recipe.label.size()), recipe.label.data(),
        static_cast<long long>(measured.reaction->condition_us),
        static_cast<long long>(measured.reaction->rf_off_us), ms);
    totals_.reactions_ms.push_back(ms);
    totals_.by_fault[std::string(recipe.label)].push_back(ms);
    return;
  }
  if (!first_fault.empty()) {
    ++totals_.gap_preempted;
    std::fprintf(stderr, "reaction_bench: treatment %zu (%.*s): %s first, not a reaction\n",
                 treatment_, static_cast<int>(recipe.label.size()), recipe.label.data(),
                 first_fault.c_str());
    return;
  }
  ++totals_.unmeasured;
  std::fprintf(stderr, "reaction_bench: treatment %zu (%.*s): not measured: %s\n", treatment_,
               static_cast<int>(recipe.label.size()), recipe.label.data(),
               caught || !measured.reaction
                   ? measured.why_not.c_str()
                   : ("the core did not raise " + std::string(recipe.condition)).c_str());
}

void ReactionRun::back_to_standby() {
  const auto give_up = Clock::now() + std::chrono::seconds(30);
  api::Status s;
  testing::ApiResponse last_refusal;
  while (Clock::now() < give_up) {
    s = device_.status();
    if (pulse_in_progress(s.state()) || s.state() == api::STATE_CONNECTING ||
        s.state() == api::STATE_SELF_TEST) {
      std::this_thread::sleep_for(milliseconds(5));
      continue;
    }
    switch (s.state()) {
      case api::STATE_FAULT: {
        if (has_condition(s, "link_fault")) {
          throw DeviceLost("a link fault latched in treatment " + std::to_string(treatment_));
        }
        // Refused while the cause still shows in telemetry: try again shortly.
        last_refusal = device_.api().post("/api/v1/faults/acknowledge", operator_token_);
        if (!last_refusal.ok()) {
          std::this_thread::sleep_for(milliseconds(20));
        }
        continue;
      }
      case api::STATE_SERVICE_LOCK:
      case api::STATE_NEEDLE_STUCK:
        device_.reset(service_token(), "benchmark: the reaction run resets a lock it caused");
        ++totals_.service_resets;
        continue;
      case api::STATE_READY:
      case api::STATE_PAUSED:
        (void)device_.api().post("/api/v1/disarm", operator_token_);
        continue;
      case api::STATE_STANDBY:
        if (s.session().open()) {
          (void)device_.api().post("/api/v1/session/close", operator_token_);
          continue;
        }
        return;
      default:
        throw DeviceError("the reaction run cannot continue from " + api::State_Name(s.state()));
    }
  }
  std::string conditions;
  for (const auto& c : s.conditions()) {
    conditions += " " + c.name();
  }
  throw DeviceError("the device did not return to Standby within 30 s; it is in " +
                    api::State_Name(s.state()) + " with" + conditions +
                    "; the last acknowledge: " + last_refusal.describe());
}

void ReactionRun::swap_cartridge() {
  // Out, then a fresh one in, as the operator does: the actuator reports each change and
  // the core reads the new cartridge's memory. (The simulator's `cartridge swap` alone
  // replaces the memory without the board noticing a change, which the core, outside a
  // session, would not hear of.)
  device_.control("cartridge remove");
  auto give_up = Clock::now() + std::chrono::seconds(5);
  api::Status s = device_.status();
  while (s.has_cartridge() && s.cartridge().kind() != api::CARTRIDGE_KIND_UNSPECIFIED) {
    if (Clock::now() > give_up) {
      throw DeviceError("the core did not see the cartridge removed within 5 s");
    }
    std::this_thread::sleep_for(milliseconds(10));
    s = device_.status();
  }
  device_.control("cartridge swap");
  give_up = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < give_up) {
    s = device_.status();
    if (s.has_cartridge() && s.cartridge().kind() != api::CARTRIDGE_KIND_UNSPECIFIED &&
        s.cartridge().bound_session() == 0 && s.cartridge().pulses_used() == 0) {
      return;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  throw DeviceError("the core did not read the swapped cartridge within 5 s: " +
                    testing::api_json(s.cartridge()));
}

void ReactionRun::warm_skin() {
  // The true skin reaches the target, then the thermistors' 0.5 s lag is waited out three
  // times over, so the readings hold steady within 0.2 degC of it.
  const auto warm = static_cast<std::int64_t>((kWarmSkinC - 0.1) * 1000);
  const auto give_up = Clock::now() + std::chrono::seconds(15);
  while (status_field(device_.sim_status().json, "skin_temp_mdegc") < warm) {
    if (Clock::now() > give_up) {
      throw DeviceError("the skin did not warm to " + std::to_string(kWarmSkinC) + " degC");
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  std::this_thread::sleep_for(milliseconds(1'500));
}

void ReactionRun::wait_for_skin_to_cool() {
  // After an over-temperature the core blocks until the skin is below 40 degC (SR-25's
  // cool-down); warming it again to 42 degC before that would keep the block forever.
  const auto give_up = Clock::now() + std::chrono::seconds(60);
  while (true) {
    const api::Status s = device_.status();
    if (std::none_of(s.conditions().begin(), s.conditions().end(),
                     [](const auto& c) { return c.name() == "skin_hot"; })) {
      return;
    }
    if (Clock::now() > give_up) {
      throw DeviceError("the skin did not cool below the over-temperature block in 60 s");
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
}

void ReactionRun::wait_until_ready() {
  // Ready, and no wait in effect (the inter-pulse interval after a pulse a fault ended, the
  // last record not yet stored), as the operator waits for before pressing: Ready shows
  // during a wait, and the core refuses a press made then. (A condition the next
  // measurement clears, contact_lost, holds nothing.)
  const auto give_up = Clock::now() + std::chrono::seconds(20);
  api::Status s;
  while (Clock::now() < give_up) {
    s = device_.status();
    if (s.state() == api::STATE_READY &&
        std::none_of(s.conditions().begin(), s.conditions().end(),
                     [](const api::ActiveCondition& c) { return c.rung() == api::RUNG_WAIT; })) {
      return;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  std::string conditions;
  for (const auto& c : s.conditions()) {
    conditions += " " + c.name();
  }
  throw DeviceError("not Ready 20 s after arming: " + api::State_Name(s.state()) +
                    ", conditions:" + conditions);
}

bool ReactionRun::wait_for_rf(bool on, std::chrono::milliseconds limit) {
  const auto give_up = Clock::now() + limit;
  while (Clock::now() < give_up) {
    if (device_.sim_status().rf_on == on) {
      return true;
    }
    std::this_thread::sleep_for(milliseconds(1));
  }
  return false;
}

}  // namespace rfneedle::bench
