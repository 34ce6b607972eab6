#include "tests/support/device_processes.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <limits>
#include <mutex>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

namespace rfneedle::testing {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Struct;
using google::protobuf::Value;
using std::chrono::milliseconds;

fs::path fresh_dir() {
  static int serial = 0;
  const fs::path dir =
      fs::temp_directory_path() /
      ("rfneedle-device-" + std::to_string(::getpid()) + "-" + std::to_string(serial++));
  fs::remove_all(dir);
  fs::create_directories(dir / "data");
  return dir;
}

std::string random_digits(std::size_t n) {
  std::random_device random;
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += static_cast<char>('0' + random() % 10);
  }
  return out;
}

std::string random_hex(std::size_t n) {
  std::random_device random;
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += "0123456789abcdef"[random() % 16];
  }
  return out;
}

bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

std::string tail(const std::string& text, std::size_t lines) {
  std::size_t at = text.size();
  for (std::size_t seen = 0; at > 0 && seen <= lines;) {
    --at;
    if (text[at] == '\n') {
      ++seen;
    }
  }
  return text.substr(at == 0 ? 0 : at + 1);
}

Struct parse_object(const std::string& json, const std::string& what) {
  Struct out;
  google::protobuf::util::JsonParseOptions options;
  if (!google::protobuf::util::JsonStringToMessage(json, &out, options).ok()) {
    throw DeviceError("the simulator's answer to '" + what + "' is not a JSON object: " + json);
  }
  return out;
}

const Value* member(const Struct& object, const std::string& name) {
  const auto it = object.fields().find(name);
  return it == object.fields().end() ? nullptr : &it->second;
}

std::int64_t integer(const Struct& object, const std::string& name) {
  const Value* v = member(object, name);
  return v != nullptr && v->has_number_value() ? static_cast<std::int64_t>(v->number_value()) : 0;
}

std::optional<std::int64_t> optional_integer(const Struct& object, const std::string& name) {
  const Value* v = member(object, name);
  if (v == nullptr || !v->has_number_value()) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(v->number_value());
}

bool boolean(const Struct& object, const std::string& name) {
  const Value* v = member(object, name);
  return v != nullptr && v->has_bool_value() && v->bool_value();
}

std::string text(const Struct& object, const std::string& name) {
  const Value* v = member(object, name);
  return v != nullptr && v->has_string_value() ? v->string_value() : std::string();
}

// The core's default (config.proto SessionLimits.faults_before_service_lock).
constexpr std::uint32_t kFaultsBeforeServiceLock = 3;
const char* const kHostResetReason =
    "host scheduling: telemetry gap (integration test harness, docs/operations.md)";

std::string names(const std::set<std::string>& set) {
  std::string out;
  for (const std::string& n : set) {
    out += (out.empty() ? "" : ", ") + n;
  }
  return out.empty() ? "(none shown)" : out;
}

// Retries `request` for at most `limit` while it is answered with one of `retry`: 409, the
// core not yet (the needles still being withdrawn, telemetry not yet fresh); 503, the audit
// record not writable yet (a stalled store); 429, another log-in's hash being checked.
ApiResponse until_accepted(const std::function<ApiResponse()>& request, milliseconds limit,
                           std::initializer_list<unsigned> retry = {409, 503}) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  ApiResponse r = request();
  while (std::find(retry.begin(), retry.end(), r.status) != retry.end() &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(milliseconds(20));
    r = request();
  }
  return r;
}

}  // namespace

bool is_host_fault_cause(const std::string& condition) {
  return condition == "generator_telemetry_gap" || condition == "actuator_telemetry_gap";
}

bool is_host_latch(const api::Status& status) {
  if (!is_latched(status.state()) || status.state() == api::STATE_NEEDLE_STUCK) {
    return false;
  }
  const std::set<std::string> causes = fault_causes(status);
  if (causes.empty()) {
    return false;
  }
  const bool lock = status.state() == api::STATE_SERVICE_LOCK;
  // RF-active still high after RF off (SR-22) beside a gap is the same stall: the sample
  // that showed the line drop came late. Alone it is a fault of its own.
  const bool gap = std::any_of(causes.begin(), causes.end(), is_host_fault_cause);
  for (const std::string& c : causes) {
    if (!is_host_fault_cause(c) && !(lock && c == "repeated_fault") &&
        !(gap && c == "rf_still_active")) {
      return false;
    }
  }
  if (!lock) {
    return true;
  }
  // Escalation (SR-56) the host's only if every kind that reached the limit is a gap.
  bool escalated = false;
  for (const api::FaultCount& f : status.counters().faults_this_session()) {
    if (f.count() >= kFaultsBeforeServiceLock) {
      if (!is_host_fault_cause(f.name())) {
        return false;
      }
      escalated = true;
    }
  }
  return escalated;
}

bool is_host_disturbed(const api::Status& status) {
  return is_latched(status.state()) && only_starvation_causes(fault_causes(status));
}

bool only_starvation_causes(const std::set<std::string>& causes) {
  // rf_still_active and rf_uncommanded: the samples a stall held back, delivered late,
  // still show the RF that had ended; not_retracted and not_at_depth: they show the needles
  // late, past the deadline the core judges their motion by.
  static const std::set<std::string> kHostMade{
      "generator_telemetry_gap", "actuator_telemetry_gap", "link_fault",
      "board_dead_man",          "repeated_fault",         "rf_still_active",
      "rf_uncommanded",          "not_retracted",          "not_at_depth"};
  const bool all_host = std::all_of(causes.begin(), causes.end(),
                                    [](const std::string& c) { return kHostMade.contains(c); });
  const bool gap_or_link = causes.contains("generator_telemetry_gap") ||
                           causes.contains("actuator_telemetry_gap") ||
                           causes.contains("link_fault");
  return !causes.empty() && all_host && gap_or_link;
}

namespace {

// The attempt on_fresh_processes is running (0: none), the processes it started and the
// worst lateness of those that already ended, and its failures so far.
struct AttemptEvidence {
  std::mutex mutex;
  std::uint64_t attempt = 0;
  std::vector<const TickWatch*> running;
  std::int64_t ended_worst_us = -1;
  const ::testing::TestPartResultArray* parts = nullptr;
};
AttemptEvidence& evidence() {
  static AttemptEvidence e;
  return e;
}

bool any_failed(const ::testing::TestPartResultArray& parts) {
  for (int i = 0; i < parts.size(); ++i) {
    if (parts.GetTestPartResult(i).failed()) {
      return true;
    }
  }
  return false;
}

}  // namespace

TickWatch::TickWatch(std::function<std::int64_t()> worst_late_us)
    : worst_late_us_(std::move(worst_late_us)) {
  AttemptEvidence& e = evidence();
  const std::lock_guard lock(e.mutex);
  attempt_ = e.attempt;
  e.running.push_back(this);
}

TickWatch::~TickWatch() { end(); }

void TickWatch::end() {
  if (ended_) {
    return;
  }
  ended_ = true;
  const std::int64_t worst = worst_late_us_();
  AttemptEvidence& e = evidence();
  const std::lock_guard lock(e.mutex);
  std::erase(e.running, this);
  if (attempt_ == e.attempt) {
    e.ended_worst_us = std::max(e.ended_worst_us, worst);
  }
}

std::int64_t worst_tick_late_us() {
  AttemptEvidence& e = evidence();
  std::vector<const TickWatch*> running;
  std::int64_t worst = -1;
  {
    const std::lock_guard lock(e.mutex);
    worst = e.ended_worst_us;
    for (const TickWatch* w : e.running) {
      if (w->attempt_ == e.attempt) {
        running.push_back(w);
      }
    }
  }
  for (const TickWatch* w : running) {
    worst = std::max(worst, w->worst_late_us_());
  }
  return worst;
}

std::int64_t safety_tick_exceeded_us(const std::string& metrics) {
  const std::string bucket = "rfneedle_safety_tick_lateness_seconds_bucket{le=\"";
  const std::string count = "rfneedle_safety_tick_lateness_seconds_count ";
  std::vector<std::pair<double, double>> buckets;  // bound in seconds, ticks at or under it
  std::optional<double> total;
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(bucket)) {
      const std::size_t quote = line.find('"', bucket.size());
      const std::string bound = line.substr(bucket.size(), quote - bucket.size());
      const std::size_t space = line.rfind(' ');
      if (quote != std::string::npos && space != std::string::npos && bound != "+Inf") {
        buckets.emplace_back(std::stod(bound), std::stod(line.substr(space + 1)));
      }
    } else if (line.starts_with(count)) {
      total = std::stod(line.substr(count.size()));
    }
  }
  if (!total) {
    return -1;
  }
  double worst_s = 0;
  for (const auto& [bound_s, at_or_under] : buckets) {
    if (at_or_under < *total) {
      worst_s = std::max(worst_s, bound_s);
    }
  }
  return std::llround(worst_s * 1e6);
}

std::int64_t DeviceProcesses::controller_worst_late_us() const {
  if (!daemon_ || !daemon_->running() || !api_) {
    return -1;
  }
  const ApiResponse r = api_->get("/metrics");
  return r.ok() ? safety_tick_exceeded_us(r.body) : -1;
}

bool attempt_failed() {
  AttemptEvidence& e = evidence();
  const std::lock_guard lock(e.mutex);
  return e.parts != nullptr && any_failed(*e.parts);
}

std::optional<std::string> on_fresh_processes(int tries, const std::function<void()>& attempt) {
  AttemptEvidence& e = evidence();
  std::int64_t least_late_us = std::numeric_limits<std::int64_t>::max();
  for (int n = 1;; ++n) {
    ::testing::TestPartResultArray parts;
    {
      const std::lock_guard lock(e.mutex);
      ++e.attempt;
      e.ended_worst_us = -1;
      e.parts = &parts;
    }
    std::exception_ptr error;
    std::optional<std::int64_t> disturbed_late_us;  // set when it threw HostDisturbed
    std::string what;
    {
      // Every thread's failures; this thread's even under a reporter of its own (gtest's
      // EXPECT_*_FAILURE, the policy's own tests).
      const ::testing::ScopedFakeTestPartResultReporter every_thread(
          ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ALL_THREADS, &parts);
      const ::testing::ScopedFakeTestPartResultReporter this_thread(
          ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &parts);
      try {
        attempt();
      } catch (const HostDisturbed& lost) {
        error = std::current_exception();
        disturbed_late_us = lost.board_worst_late_us;
        what = lost.what();
      } catch (const std::exception& failed) {
        error = std::current_exception();
        what = std::string("exception: ") + failed.what();
      }
    }
    const std::int64_t worst = std::max(disturbed_late_us.value_or(-1), worst_tick_late_us());
    {
      const std::lock_guard lock(e.mutex);
      e.parts = nullptr;
    }
    const bool failed = error != nullptr || any_failed(parts);
    const bool lost = disturbed_late_us.has_value() || (failed && worst > kTickStarvedUs);
    const auto as_it_happened = [&]() -> std::optional<std::string> {
      for (int i = 0; i < parts.size(); ++i) {
        const ::testing::TestPartResult& p = parts.GetTestPartResult(i);
        GTEST_MESSAGE_AT_(p.file_name() != nullptr ? p.file_name() : "", p.line_number(),
                          p.message(), p.type());
      }
      if (error) {
        std::rethrow_exception(error);
      }
      return std::nullopt;
    };
    if (!lost) {
      std::cerr << "[ host     ] attempt " << n << (failed ? " failed" : " passed")
                << "; the processes' ticks at worst " << worst << " us late\n";
      return as_it_happened();
    }
    least_late_us = std::min(least_late_us, worst);
    std::cerr << "[ host     ] attempt " << n << " of " << tries
              << " lost to the host (a simulated board's or the controller's tick at worst "
              << worst << " us late): " << what.substr(0, 300) << "\n";
    for (int i = 0; i < parts.size(); ++i) {
      const ::testing::TestPartResult& p = parts.GetTestPartResult(i);
      if (p.failed()) {
        std::cerr << "[ host     ]   " << (p.file_name() != nullptr ? p.file_name() : "") << ":"
                  << p.line_number() << ": " << std::string(p.message()).substr(0, 300) << "\n";
      }
    }
    if (n < tries) {
      continue;
    }
    if (least_late_us > kTickStarvedUs) {
      return "all " + std::to_string(tries) +
             " tries lost to the host, and in each a simulated board's or the controller's own "
             "1 kHz tick woke at least " +
             std::to_string(least_late_us) +
             " us late: this machine starves real-time processes beyond what the test can "
             "judge (docs/operations.md, \"Testing with the real processes\")";
    }
    return as_it_happened();
  }
}

std::int64_t DeviceProcesses::board_worst_late_us() const {
  try {
    return sim_status().worst_tick_late_us;
  } catch (const std::exception&) {
    return -1;
  }
}

std::set<std::string> fault_causes(const api::Status& status) {
  std::set<std::string> out;
  for (const api::ActiveCondition& c : status.conditions()) {
    if (c.rung() >= api::RUNG_FAULT) {
      out.insert(c.name());
    }
  }
  return out;
}

bool is_latched(api::State state) {
  return state == api::STATE_FAULT || state == api::STATE_NEEDLE_STUCK ||
         state == api::STATE_SERVICE_LOCK;
}

std::optional<DevicePrograms> programs_from_command_line(int argc, char** argv) {
  const std::string self = argc > 0 ? argv[0] : "test";
  const auto usage = [&](const std::string& why) -> std::optional<DevicePrograms> {
    std::fprintf(stderr, "%s: %s\nusage: %s [gtest flags] PATH_TO_RFNEEDLE_SIM PATH_TO_RFNEEDLED\n",
                 self.c_str(), why.c_str(), self.c_str());
    return std::nullopt;
  };
  if (argc != 3) {
    return usage("expected the two programs' paths, got " + std::to_string(argc - 1) +
                 " arguments");
  }
  DevicePrograms p{argv[1], argv[2]};
  for (const std::string& path : {p.simulator, p.daemon}) {
    if (!executable(path)) {
      return usage("'" + path + "' is not an executable file");
    }
  }
  return p;
}

// ---- SimHistory ------------------------------------------------------------------------

const SimPulse* SimHistory::pulse_at_or_after(std::int64_t t_us) const {
  for (const SimPulse& p : pulses) {
    if (!p.rf_off_us || *p.rf_off_us > t_us) {
      return &p;
    }
  }
  return nullptr;
}

const SimInjection* SimHistory::injection(std::string_view name) const {
  for (auto it = injections.rbegin(); it != injections.rend(); ++it) {
    if (it->name == name) {
      return &*it;
    }
  }
  return nullptr;
}

// ---- DeviceProcesses -------------------------------------------------------------------

namespace {

// The time the hypervisor ran other guests on this machine's vCPUs (/proc/stat's steal,
// summed over every CPU), in milliseconds; 0 where the kernel does not count it. Printed
// beside each host fault: the stalls that cause them are often not this machine's own.
std::int64_t host_steal_ms() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  std::int64_t user, nice, system, idle, iowait, irq, softirq, steal = 0;
  if (!(stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) ||
      cpu != "cpu") {
    return 0;
  }
  return steal * 1000 / ::sysconf(_SC_CLK_TCK);
}

}  // namespace

DeviceProcesses::DeviceProcesses(DevicePrograms programs, DeviceOptions options)
    : programs_(std::move(programs)),
      options_(std::move(options)),
      dir_(fresh_dir()),
      steal_at_start_ms_(host_steal_ms()) {
  write_credentials_and_config();
  if (options_.simulator_first) {
    start_simulator();
  }
  start_daemon();
  if (options_.simulator_first) {
    (void)wait_for_standby(options_.standby_limit);
  }
}

DeviceProcesses::~DeviceProcesses() {
  tick_watch_.end();
  if (daemon_ && daemon_->running()) {
    daemon_->signal(SIGTERM);
    (void)daemon_->wait(std::chrono::seconds(10));
  }
  daemon_.reset();
  if (sim_ && sim_->running()) {
    sim_->signal(SIGTERM);
    (void)sim_->wait(std::chrono::seconds(5));
  }
  sim_.reset();
  if (keep_dir_ || std::getenv("RFNEEDLE_KEEP_TEST_DIRS") != nullptr) {
    std::cerr << "device directory kept: " << dir_ << "\n";
    return;
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string DeviceProcesses::hash_secret(const std::string& secret) const {
  const fs::path input = dir_ / "secret.txt";
  {
    std::ofstream out(input);
    out << secret << "\n";
  }
  fs::permissions(input, fs::perms::owner_read | fs::perms::owner_write);
  const RunResult r =
      run_program(programs_.daemon, {"--hash-secret"}, dir_, std::chrono::seconds(30), input);
  fs::remove(input);
  std::string hash = r.out.substr(0, r.out.find('\n'));
  if (r.status != 0 || hash.empty()) {
    throw DeviceError("rfneedled --hash-secret failed (status " + std::to_string(r.status) +
                      "): " + r.err);
  }
  return hash;
}

void DeviceProcesses::write_credentials_and_config() {
  operator_pin_ = random_digits(6);
  service_key_ = random_hex(32);
  const std::string pin_hash = hash_secret(operator_pin_);
  const std::string key_hash = hash_secret(service_key_);
  std::ofstream config(dir_ / "rfneedled.conf");
  config << "# Generated by tests/support/device_processes.cpp: rfneedle-sim's boards.\n"
         << "boards { allow_simulated: true }\n"
         << "accounts {\n"
         << "  operator { user: \"" << operator_user_ << "\" pin_hash: \"" << pin_hash << "\" }\n"
         << "  service_key_hash: \"" << key_hash << "\"\n"
         << "}\n"
         << "daemon {\n"
         << "  generator: \"" << (dir_ / "generator").string() << "\"\n"
         << "  actuator: \"" << (dir_ / "actuator").string() << "\"\n"
         << "  listen: \"127.0.0.1:0\"\n"
         << "  data_dir: \"" << data_dir().string() << "\"\n"
         << "  sim_control: \"" << control_path().string() << "\"\n"
         << "}\n"
         << options_.extra_config << "\n";
}

void DeviceProcesses::start_simulator() {
  if (sim_) {
    throw DeviceError("rfneedle-sim is already running");
  }
  std::vector<std::string> args = {"--generator-link", (dir_ / "generator").string(),
                                   "--actuator-link",  (dir_ / "actuator").string(),
                                   "--control",        control_path().string(),
                                   "--seed",           std::to_string(options_.seed)};
  if (options_.auto_trigger_hz) {
    std::ostringstream hz;
    hz << *options_.auto_trigger_hz;
    args.insert(args.end(), {"--auto-trigger", hz.str()});
  }
  args.insert(args.end(), options_.simulator_args.begin(), options_.simulator_args.end());
  sim_ = std::make_unique<ChildProcess>(programs_.simulator, args, dir_);
  if (!eventually([&] {
        return fs::exists(dir_ / "generator") && fs::exists(dir_ / "actuator") &&
               fs::exists(control_path());
      })) {
    throw DeviceError("rfneedle-sim did not publish its links and control socket: " +
                      sim_->standard_error());
  }
}

void DeviceProcesses::start_daemon(const std::string& listen) {
  std::vector<std::string> args{"--config", (dir_ / "rfneedled.conf").string()};
  if (!listen.empty()) {
    args.insert(args.end(), {"--listen", listen});
  }
  args.insert(args.end(), options_.daemon_args.begin(), options_.daemon_args.end());
  daemon_ = std::make_unique<ChildProcess>(programs_.daemon, args, dir_);
  // Port 0 takes a free port, which rfneedled logs once it listens.
  const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)/");
  std::smatch m;
  const bool up = eventually(
      [&] {
        const std::string log = daemon_->standard_error();
        return !daemon_->running() || std::regex_search(log, m, listening);
      },
      std::chrono::seconds(20));
  const std::string log = daemon_->standard_error();
  if (!up || !std::regex_search(log, m, listening)) {
    throw DeviceError("rfneedled did not start listening" +
                      std::string(daemon_->running() ? "" : " (it exited)") + ": " + tail(log, 30));
  }
  port_ = static_cast<std::uint16_t>(std::stoi(m[1].str()));
  api_ = std::make_unique<ApiClient>("127.0.0.1", port_);
}

api::Status DeviceProcesses::wait_for_state(api::State state, milliseconds limit) const {
  api::Status last;
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (true) {
    const ApiResponse r = api_->get_as_display("/api/v1/status");
    if (r.ok()) {
      last = r.as<api::Status>();
      if (last.state() == state) {
        return last;
      }
    }
    if (!daemon_->running() || std::chrono::steady_clock::now() > give_up) {
      const std::string what = "the device did not reach " + api::State_Name(state) + " (last " +
                               api::State_Name(last.state()) + " with fault causes " +
                               names(fault_causes(last)) + ", rfneedled " +
                               (daemon_->running() ? "running" : "exited") + ")" + fail_context();
      // Held in a latch only the host's starvation made (the host caveat).
      if (daemon_->running() && is_host_disturbed(last)) {
        throw HostDisturbed(what, board_worst_late_us());
      }
      throw DeviceError(what);
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
}

api::Status DeviceProcesses::wait_for_standby(milliseconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (true) {
    const ApiResponse r = api_->get_as_display("/api/v1/status");
    if (r.ok()) {
      const api::Status s = r.as<api::Status>();
      if (s.state() == api::STATE_STANDBY) {
        return s;
      }
      if (is_latched(s.state()) && !clear_host_fault() && is_latched(status().state())) {
        const api::Status now = status();
        const std::string what =
            "the device latched on its way to Standby: " + api::State_Name(now.state()) +
            " with fault causes " + names(fault_causes(now)) + fail_context();
        if (is_host_disturbed(now)) {
          throw HostDisturbed(what, board_worst_late_us());
        }
        throw DeviceError(what);
      }
    }
    if (!daemon_->running() || std::chrono::steady_clock::now() > give_up) {
      throw DeviceError(std::string("the device did not reach Standby (rfneedled ") +
                        (daemon_->running() ? "running" : "exited") + ")" + fail_context());
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
}

void DeviceProcesses::log_in_for_host_faults() {
  if (policy_operator_token_.empty()) {
    policy_operator_token_ = login_operator();
  }
  if (policy_service_token_.empty()) {
    policy_service_token_ = login_service();
  }
}

std::optional<std::string> DeviceProcesses::clear_host_fault() {
  api::Status s = status();
  if (!is_latched(s.state()) || s.state() == api::STATE_NEEDLE_STUCK) {
    return std::nullopt;
  }
  // The first snapshot of a latch may come before the one naming its cause.
  std::set<std::string> causes = fault_causes(s);
  for (const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(1);
       causes.empty() && std::chrono::steady_clock::now() < give_up;) {
    std::this_thread::sleep_for(milliseconds(20));
    s = status();
    causes = fault_causes(s);
  }
  if (causes.empty() || !is_host_latch(s)) {
    return std::nullopt;
  }
  return clear_latch_by_policy(s, "");
}

std::optional<std::string> DeviceProcesses::clear_restored_host_lock(const api::Status& before) {
  if (before.state() != api::STATE_SERVICE_LOCK || !is_host_latch(before)) {
    return std::nullopt;
  }
  const api::Status s = status();
  if (s.state() != api::STATE_SERVICE_LOCK) {
    return std::nullopt;
  }
  // The restart adds the boards' dead-man latch and the link fault at reconnection, and
  // the host may add a gap; any other cause is not the host's.
  const std::set<std::string> held = fault_causes(before);
  for (const std::string& c : fault_causes(s)) {
    if (!held.contains(c) && c != "board_dead_man" && c != "link_fault" &&
        !is_host_fault_cause(c)) {
      return std::nullopt;
    }
  }
  return clear_latch_by_policy(s, ", restored at the restart");
}

std::string DeviceProcesses::clear_latch_by_policy(const api::Status& latched,
                                                   const std::string& how) {
  api::Status s = latched;
  // The host may starve the processes again as soon as the first latch is cleared: a new
  // latch of its own is cleared the same way, a few times at most.
  for (int round = 1;; ++round) {
    const std::string line = clear_latch_once(s, how);
    api::Status after;
    const auto left = [&] {
      after = status();
      return !is_latched(after.state());
    };
    if (eventually(left, std::chrono::seconds(2))) {
      return line;
    }
    if (round < 3 && is_host_latch(after)) {
      s = after;
      continue;
    }
    if (eventually(left, std::chrono::seconds(8))) {
      return line;
    }
    const std::string what = "the device stayed latched after a host fault was cleared (" + line +
                             "): " + api::State_Name(after.state()) + " with fault causes " +
                             names(fault_causes(after)) + fail_context();
    if (is_host_disturbed(after)) {
      throw HostDisturbed(what, board_worst_late_us());
    }
    throw DeviceError(what);
  }
}

std::string DeviceProcesses::clear_latch_once(const api::Status& s, const std::string& how) {
  const std::set<std::string> causes = fault_causes(s);
  const bool lock = s.state() == api::STATE_SERVICE_LOCK;
  ApiResponse r;
  std::string action;
  if (lock) {
    if (policy_service_token_.empty()) {
      policy_service_token_ = login_service();
    }
    api::ResetRequest reset;
    reset.set_reason(kHostResetReason);
    r = until_accepted(
        [&] { return api_->post("/api/v1/faults/reset", reset, policy_service_token_); },
        std::chrono::seconds(10));
    action = "service reset";
  } else {
    if (policy_operator_token_.empty()) {
      policy_operator_token_ = login_operator();
    }
    r = until_accepted(
        [&] { return api_->post("/api/v1/faults/acknowledge", policy_operator_token_); },
        std::chrono::seconds(10));
    action = "acknowledged";
  }
  if (!r.ok()) {
    const std::string what =
        "clearing a host fault (" + names(causes) + ") failed: " + r.describe() + fail_context();
    // 503: the audit could not be written first (a test that filled the store's disk): the
    // latch cannot be cleared now, and the run is lost to the host as much as to the test.
    // 409 for 10 s: the core still refuses to clear it (the cause not yet gone, the needles
    // not yet seen out) while the host keeps starving the processes.
    if (r.status == 503 || r.status == 409) {
      throw HostDisturbed(what, board_worst_late_us());
    }
    throw DeviceError(what);
  }
  const SimStatus sim = sim_status();
  std::ostringstream line;
  line << "host fault " << host_faults_.size() + 1 << ": " << names(causes) << " in "
       << api::State_Name(s.state()) << how << ", " << action << " (simulator: " << sim.late_ticks
       << " late ticks, worst " << sim.worst_tick_late_us << " us; host steal "
       << host_steal_ms() - steal_at_start_ms_ << " ms since the processes started)";
  host_faults_.push_back(line.str());
  std::cerr << "[ host     ] " << line.str() << "\n";
  return line.str();
}

fs::path DeviceProcesses::store_path() const {
  const fs::path path = data_dir() / "rfneedle.db";
  if (!fs::exists(path)) {
    throw DeviceError("no store at " + path.string() + fail_context());
  }
  return path;
}

std::string DeviceProcesses::daemon_log_tail(std::size_t lines) const {
  return daemon_ ? tail(daemon_->standard_error(), lines) : std::string();
}

std::string DeviceProcesses::fail_context() const {
  return "\n--- rfneedled's log (last lines) ---\n" + daemon_log_tail();
}

ApiResponse DeviceProcesses::expect_ok(const ApiResponse& r, const std::string& what) const {
  if (!r.ok()) {
    throw DeviceError(what + ": " + r.describe() + fail_context());
  }
  return r;
}

// ---- The API -----------------------------------------------------------------------------

api::Status DeviceProcesses::status() const {
  return expect_ok(api_->get_as_display("/api/v1/status"), "GET /api/v1/status").as<api::Status>();
}

std::string DeviceProcesses::login_operator() const {
  api::LoginRequest login;
  login.set_role(api::ROLE_OPERATOR);
  login.set_user(operator_user_);
  login.set_secret(operator_pin_);
  return expect_ok(until_accepted([&] { return api_->post("/api/v1/login", login); },
                                  std::chrono::seconds(15), {429}),
                   "operator log-in")
      .as<api::LoginResponse>()
      .token();
}

std::string DeviceProcesses::login_service() const {
  api::LoginRequest login;
  login.set_role(api::ROLE_SERVICE);
  login.set_secret(service_key_);
  return expect_ok(until_accepted([&] { return api_->post("/api/v1/login", login); },
                                  std::chrono::seconds(15), {429}),
                   "service log-in")
      .as<api::LoginResponse>()
      .token();
}

std::uint64_t DeviceProcesses::open_session(const std::string& token, api::BodyArea area,
                                            const std::string& patient_ref) const {
  api::OpenSessionRequest request;
  request.set_patient_ref(patient_ref);
  request.set_area(area);
  // Every item the configured checklist has, answered NO.
  const auto presets =
      expect_ok(api_->get("/api/v1/presets", token), "GET /api/v1/presets").as<api::Presets>();
  for (const api::ChecklistItem& item : presets.checklist()) {
    (*request.mutable_checklist())[item.field()] = api::NO;
  }
  (void)expect_ok(api_->post("/api/v1/session", request, token), "POST /api/v1/session");
  return wait_for_session_bound();
}

std::uint64_t DeviceProcesses::resume_session(const std::string& token, std::uint64_t id) const {
  const std::string route = "/api/v1/session/" + std::to_string(id) + "/resume";
  (void)expect_ok(api_->post(route, token), "POST " + route);
  return wait_for_session_bound();
}

std::uint64_t DeviceProcesses::wait_for_session_bound() const {
  api::Status s;
  const bool bound = eventually(
      [&] {
        s = status();
        if (!s.session().open()) {
          return false;
        }
        for (const auto& c : s.conditions()) {
          if (c.name() == "board_setup_pending") {
            return false;
          }
        }
        return true;
      },
      std::chrono::seconds(5));
  if (!bound) {
    throw DeviceError("the session did not open with its cartridge bound: " + api_json(s) +
                      fail_context());
  }
  return s.session().id();
}

api::ParametersRequest DeviceProcesses::parameters(std::int32_t depth_um, std::int32_t power_mw,
                                                   std::int32_t duration_ms) {
  api::ParametersRequest p;
  p.set_depth_um(depth_um);
  p.set_power_mw(power_mw);
  p.set_duration_ms(duration_ms);
  return p;
}

void DeviceProcesses::set_parameters(const std::string& token,
                                     const api::ParametersRequest& request) const {
  (void)expect_ok(api_->put("/api/v1/parameters", request, token), "PUT /api/v1/parameters");
}

void DeviceProcesses::arm(const std::string& token) const {
  // New limits go to the generator first; arming waits for its answer (SR-17).
  (void)eventually(
      [&] {
        const api::Status s = status();
        for (const auto& c : s.conditions()) {
          if (c.name() == "board_setup_pending") {
            return false;
          }
        }
        return true;
      },
      std::chrono::seconds(5));
  (void)expect_ok(until_accepted([&] { return api_->post("/api/v1/arm", token); },
                                 std::chrono::seconds(10), {503}),
                  "POST /api/v1/arm");
}

void DeviceProcesses::acknowledge(const std::string& operator_token) const {
  (void)expect_ok(
      until_accepted([&] { return api_->post("/api/v1/faults/acknowledge", operator_token); },
                     std::chrono::seconds(10)),
      "POST /api/v1/faults/acknowledge");
}

void DeviceProcesses::reset(const std::string& service_token, const std::string& reason) const {
  api::ResetRequest request;
  request.set_reason(reason);
  (void)expect_ok(
      until_accepted([&] { return api_->post("/api/v1/faults/reset", request, service_token); },
                     std::chrono::seconds(10)),
      "POST /api/v1/faults/reset");
}

api::SessionDetail DeviceProcesses::session(const std::string& token, std::uint64_t id) const {
  const std::string target = "/api/v1/sessions/" + std::to_string(id);
  return expect_ok(api_->get(target, token), "GET " + target).as<api::SessionDetail>();
}

// ---- The simulator -------------------------------------------------------------------------

std::string DeviceProcesses::control(const std::string& line) const {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) {
    throw DeviceError("no socket for the simulator's control socket");
  }
  timeval timeout{};
  timeout.tv_sec = 5;
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = control_path().string();
  path.copy(address.sun_path, sizeof address.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    throw DeviceError("cannot connect to the simulator's control socket " + path);
  }
  const std::string request = line + "\n";
  const bool sent =
      ::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size());
  std::string answer;
  char buffer[4096];
  bool complete = false;
  while (sent && !complete) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) {
      break;
    }
    answer.append(buffer, static_cast<std::size_t>(n));
    complete = answer.find('\n') != std::string::npos;
  }
  ::close(fd);
  if (!complete) {
    throw DeviceError("the simulator did not answer '" + line + "'");
  }
  answer.resize(answer.find('\n'));
  if (answer.find("\"ok\":true") == std::string::npos) {
    throw DeviceError("the simulator refused '" + line + "': " + answer);
  }
  return answer;
}

SimStatus parse_sim_status(const std::string& json) {
  SimStatus s;
  s.json = json;
  const Struct o = parse_object(s.json, "status");
  s.sim_time_us = integer(o, "sim_time_us");
  s.rf_on = boolean(o, "rf_on");
  s.delivered_power_mw = integer(o, "delivered_power_mw");
  s.pulse_energy_uj = integer(o, "pulse_energy_uj");
  s.needle_position_um = integer(o, "needle_position_um");
  s.relay_closed = boolean(o, "relay_closed");
  s.rf_active_line = boolean(o, "rf_active_line");
  s.late_ticks = integer(o, "late_ticks");
  s.worst_tick_late_us = integer(o, "worst_tick_late_us");
  s.clock_steps = integer(o, "clock_steps");
  s.generator_last_frame_us = optional_integer(o, "generator_last_frame_us").value_or(-1);
  s.actuator_last_frame_us = optional_integer(o, "actuator_last_frame_us").value_or(-1);
  const auto dead_man_trips = [&](const std::string& board) -> std::int64_t {
    const Value* counters = member(o, board);
    if (counters == nullptr || !counters->has_struct_value()) {
      return -1;
    }
    const Value* link = member(counters->struct_value(), "link");
    return link != nullptr && link->has_struct_value()
               ? integer(link->struct_value(), "dead_man_trips")
               : -1;
  };
  s.generator_dead_man_trips = dead_man_trips("generator_counters");
  s.actuator_dead_man_trips = dead_man_trips("actuator_counters");
  if (const Value* faults = member(o, "active_faults"); faults && faults->has_list_value()) {
    for (const Value& f : faults->list_value().values()) {
      s.active_faults.push_back(f.string_value());
    }
  }
  return s;
}

SimStatus DeviceProcesses::sim_status() const { return parse_sim_status(control("status")); }

SimHistory parse_sim_history(const std::string& json) {
  const Struct o = parse_object(json, "history");
  SimHistory h;
  h.sim_time_us = integer(o, "sim_time_us");
  if (const Value* pulses = member(o, "pulses"); pulses && pulses->has_list_value()) {
    for (const Value& v : pulses->list_value().values()) {
      const Struct& p = v.struct_value();
      h.pulses.push_back({integer(p, "n"), integer(p, "rf_on_us"), optional_integer(p, "rf_off_us"),
                          integer(p, "energy_uj"), integer(p, "peak_skin_temp_mdegc")});
    }
  }
  if (const Value* injections = member(o, "injections");
      injections && injections->has_list_value()) {
    for (const Value& v : injections->list_value().values()) {
      const Struct& i = v.struct_value();
      h.injections.push_back(
          {integer(i, "n"), text(i, "name"), integer(i, "at_us"), optional_integer(i, "until_us")});
    }
  }
  return h;
}

SimHistory DeviceProcesses::history() const { return parse_sim_history(control("history")); }

std::optional<int> DeviceProcesses::terminate_daemon(milliseconds limit) {
  daemon_->signal(SIGTERM);
  return daemon_->wait(limit);
}

std::optional<int> DeviceProcesses::kill_daemon(milliseconds limit) {
  daemon_->signal(SIGKILL);
  return daemon_->wait(limit);
}

void DeviceProcesses::restart_daemon(Port port) {
  if (daemon_->running()) {
    throw DeviceError("rfneedled is still running: it is restarted only after it ended");
  }
  // Each run logs to its own file in dir() (ChildProcess), the killed one's kept.
  // A restart ends every token (issue 10).
  policy_operator_token_.clear();
  policy_service_token_.clear();
  start_daemon(port == Port::kSame ? "127.0.0.1:" + std::to_string(port_) : std::string());
}

}  // namespace rfneedle::testing
