// rfneedled: the controller process (DESIGN 6). The safety thread (SafetyLoop: links,
// core, 1 kHz tick) and the service thread (this one: API server, store, logs) meet only
// through CoreGateway's bounded queues.
#include <pthread.h>
#include <sodium.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "controller/daemon/api_server.h"
#include "controller/daemon/auth.h"
#include "controller/daemon/core_gateway.h"
#include "controller/daemon/daemon_config.h"
#include "controller/daemon/daemon_options.h"
#include "controller/daemon/device_store.h"
#include "controller/daemon/metrics.h"
#include "controller/daemon/provisioning.h"
#include "controller/daemon/store_admin.h"
#include "controller/daemon/safety_loop.h"
#include "controller/daemon/software_version.h"
#include "controller/daemon/systemd_notifier.h"
#include "hal/device_proto_hash.h"

namespace rfneedle::daemon {
namespace {


int usage_error(const std::string& message) {
  std::cerr << "rfneedled: " << message << "\n(rfneedled --help lists the options)\n";
  return 2;
}

// A PIN or key from standard input, its Argon2id hash on standard output.
int print_secret_hash() {
  std::string secret;
  if (!std::getline(std::cin, secret) || secret.empty()) {
    std::cerr << "rfneedled: --hash-secret: no secret on standard input\n";
    return 2;
  }
  const std::string hash = hash_secret(secret);
  sodium_memzero(secret.data(), secret.size());
  if (hash.empty()) {
    std::cerr << "rfneedled: --hash-secret: hashing failed\n";
    return 1;
  }
  std::cout << hash << "\n";
  return 0;
}

// The configuration's operators seed the store on the first start only (the demo's);
// afterwards the service role manages them (docs/api.md, "Operators").
std::vector<OperatorSeed> operator_seeds(const DaemonConfig& config) {
  std::vector<OperatorSeed> seeds;
  for (const OperatorHash& o : config.operators) {
    seeds.push_back({o.user, o.pin_hash});
  }
  return seeds;
}

// Every thread's stack (the safety thread, the API's network thread, the hash worker,
// spdlog's flusher): glibc's default is RLIMIT_STACK, 8 MiB, and mlockall (SafetyLoop)
// makes each one resident whole. The deepest of them uses a small part of this.
constexpr std::size_t kThreadStackBytes = std::size_t{1} << 20;

// Before the first thread starts: the size applies to threads created after it.
bool set_thread_stack_size() {
  pthread_attr_t attr;
  if (::pthread_attr_init(&attr) != 0) {
    return false;
  }
  const bool ok = ::pthread_attr_setstacksize(&attr, kThreadStackBytes) == 0 &&
                  ::pthread_setattr_default_np(&attr) == 0;
  ::pthread_attr_destroy(&attr);
  return ok;
}

// The console (the journal, under systemd) and the configuration's rotating file; a file
// that cannot be opened leaves the console alone, said there.
void set_up_logging(const std::filesystem::path& data_dir, const LogConfig& log) {
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  const std::string file = log.file ? *log.file : (data_dir / "rfneedled.log").string();
  std::string file_error;
  try {
    sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(file, log.max_file_bytes,
                                                                           log.max_files));
  } catch (const spdlog::spdlog_ex& e) {
    file_error = e.what();
  }
  auto logger = std::make_shared<spdlog::logger>("rfneedled", sinks.begin(), sinks.end());
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
  if (!file_error.empty()) {
    spdlog::error("log file {}: {}; logging to the console only", file, file_error);
  }
}

WallMs wall_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The same clock the safety thread gives the core.
Instant steady_now() {
  return Instant{
      std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch())};
}

std::string file_text(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// One fault command to rfneedle-sim's control socket (a line out, a line back),
// asynchronously on the service thread. Only fault requests go this way (SR-77; the API
// forwards only when both boards' handshakes said simulated).
void forward_to_simulator(boost::asio::io_context& io, const std::string& socket_path,
                          std::string command,
                          std::function<void(bool ok, std::string reply)> done) {
  if (command != "faults" && !command.starts_with("inject ") && !command.starts_with("clear ")) {
    done(false, "only faults, inject and clear go to the simulator");
    return;
  }
  using boost::asio::local::stream_protocol;
  auto socket = std::make_shared<stream_protocol::socket>(io);
  auto buffer = std::make_shared<boost::asio::streambuf>(64 * 1024);
  auto line = std::make_shared<std::string>(std::move(command) + "\n");
  socket->async_connect(
      stream_protocol::endpoint(socket_path),
      [socket, buffer, line, done](const boost::system::error_code& error) {
        if (error) {
          done(false, "the simulator's control socket: " + error.message());
          return;
        }
        boost::asio::async_write(
            *socket, boost::asio::buffer(*line),
            [socket, buffer, line, done](const boost::system::error_code& write_error,
                                         std::size_t) {
              if (write_error) {
                done(false, "the simulator's control socket: " + write_error.message());
                return;
              }
              boost::asio::async_read_until(
                  *socket, *buffer, '\n',
                  [socket, buffer, done](const boost::system::error_code& read_error,
                                         std::size_t n) {
                    if (read_error) {
                      done(false, "the simulator's control socket: " + read_error.message());
                      return;
                    }
                    std::string reply(boost::asio::buffers_begin(buffer->data()),
                                      boost::asio::buffers_begin(buffer->data()) +
                                          static_cast<std::ptrdiff_t>(n - 1));
                    done(true, std::move(reply));
                  });
            });
      });
}

int run(const std::vector<std::string>& args) {
  const auto parsed = parse_daemon_options(args);
  if (const auto* error = std::get_if<OptionsError>(&parsed)) {
    return usage_error(error->message);
  }
  const DaemonOptions& flags = std::get<DaemonOptions>(parsed);
  if (flags.help) {
    std::cout << daemon_usage();
    return 0;
  }
  if (sodium_init() < 0) {
    std::cerr << "rfneedled: libsodium could not be initialised\n";
    return 1;
  }
  if (flags.hash_secret) {
    return print_secret_hash();
  }
  const auto loaded = load_daemon_config(flags.config_path);
  if (const auto* error = std::get_if<std::string>(&loaded)) {
    return usage_error(*error);
  }
  const DaemonConfig& config = std::get<DaemonConfig>(loaded);
  if (flags.backup_file || flags.restore_file || flags.session_open_check) {
    // Service commands on the store (issue 14, docs/operations.md): no boards, no API.
    const std::filesystem::path data_dir =
        flags.data_dir ? *flags.data_dir : config.settings.data_dir.value_or(".");
    const AdminResult r = flags.backup_file    ? backup_store(data_dir, *flags.backup_file)
                          : flags.restore_file ? restore_store(data_dir, *flags.restore_file)
                                               : session_open_check(data_dir);
    std::cout << r.output << std::flush;
    std::cerr << "rfneedled: " << r.message << "\n";
    return r.exit_code;
  }
  const auto resolved = resolve_settings(flags, config.settings, flags.config_path);
  if (const auto* error = std::get_if<OptionsError>(&resolved)) {
    return usage_error(error->message);
  }
  const DaemonSettings& settings = std::get<DaemonSettings>(resolved);
  if (flags.provision) {
    return run_provisioning(config, flags.config_path, flags.secrets_path, settings.sim_control,
                            settings.data_dir);
  }
  // A provisioned (treatment) device: its service key from provisioning, and no
  // configuration that allows simulated boards or carries accounts (SR-92, SR-93).
  const ServiceKeyFile service_key = read_service_key(settings.data_dir);
  if (!service_key.error.empty()) {
    std::cerr << "rfneedled: " << service_key.error << "\n";
    return 1;
  }
  if (service_key.hash) {
    if (const auto error =
            production_config_error(config, settings.sim_control, flags.config_path)) {
      return usage_error(*error);
    }
  }

  std::error_code fs_error;
  std::filesystem::create_directories(settings.data_dir, fs_error);
  if (fs_error) {
    std::cerr << "rfneedled: --data-dir " << settings.data_dir << ": " << fs_error.message()
              << "\n";
    return 1;
  }
  // One rfneedled per data directory, held until it exits (--restore and
  // --session-open-check look for it).
  std::string lock_problem;
  const std::optional<DataDirLock> data_dir_lock =
      DataDirLock::acquire(settings.data_dir, lock_problem);
  if (!data_dir_lock) {
    std::cerr << "rfneedled: --data-dir: " << lock_problem << "\n";
    return 1;
  }
  const bool stacks_sized = set_thread_stack_size();
  set_up_logging(settings.data_dir, config.log);
  if (!stacks_sized) {
    spdlog::warn("thread stacks not limited to {} KiB; threads get the default size",
                 kThreadStackBytes / 1024);
  }
  // A store that cannot be used never stops the device coming up: it stays in
  // ServiceLock, naming the reason, and never energizes (SR-86).
  DeviceStore opened = open_device_store(settings.data_dir);
  for (const std::string& note : opened.notes) {
    spdlog::info("{}", note);
  }
  Store& store = *opened.store;

  SafetyLoopOptions loop_options;
  loop_options.generator_path = settings.generator_path;
  loop_options.actuator_path = settings.actuator_path;
  SafetyLoop loop(config.core, config.boards, loop_options);
  boost::asio::io_context service_io;
  CoreGatewayOptions gateway_options;
  gateway_options.software_version = kSoftwareVersion;
  gateway_options.configuration_hash = config.fingerprint;
  gateway_options.store_unusable = opened.unusable;
  CoreGateway gateway(service_io, loop, store, gateway_options);

  ApiOptions api;
  api.core_config = config.core;
  api.min_course_interval_days = config.min_course_interval_days;
  api.service_key_hash = service_key.hash ? *service_key.hash : config.service_key_hash;
  api.initial_operators = operator_seeds(config);
  if (api.service_key_hash.empty()) {
    spdlog::warn(
        "not provisioned (rfneedled --provision) and no accounts.service_key_hash: "
        "the service role cannot log in");
  }
  api.steady_now = steady_now;
  api.wall_now = wall_now;
  if (settings.frontend_dir) {
    api.frontend_dir = *settings.frontend_dir;
  }
  const std::string fingerprint = config.fingerprint;
  api.versions = [fingerprint, &gateway] {
    api::Versions v;
    api::ComponentVersion* self = v.add_components();
    self->set_component("rfneedled");
    self->set_version(kSoftwareVersion);
    // Each board's firmware and serial number as its latest handshake gave them (empty
    // before the first).
    for (const core::Board board : {core::Board::kGenerator, core::Board::kActuator}) {
      const BoardIdentity& identity = gateway.board(board);
      api::ComponentVersion* c = v.add_components();
      c->set_component(board == core::Board::kGenerator ? "generator firmware"
                                                        : "actuator firmware");
      c->set_version(identity.firmware);
      c->set_serial(identity.serial);
    }
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016llx",
                  static_cast<unsigned long long>(hal::kDeviceProtoHash));
    v.set_protocol_hash(hash);
    v.set_configuration_hash(fingerprint);
    return v;
  };
  api.link_stats = [&loop] {
    api::LinkStats stats;
    for (const core::Board board : {core::Board::kGenerator, core::Board::kActuator}) {
      const LinkFigures& f = loop.counters().links[static_cast<std::size_t>(board)];
      api::LinkBoardStats* b = stats.add_boards();
      b->set_board(board == core::Board::kGenerator ? "generator" : "actuator");
      b->set_frames_sent(f.frames_sent.load(std::memory_order_relaxed));
      b->set_frames_received(f.frames_received.load(std::memory_order_relaxed));
      b->set_retransmissions(f.retransmissions.load(std::memory_order_relaxed));
      for (std::size_t k = 0; k < kLinkErrorNames.size(); ++k) {
        (*b->mutable_errors())[std::string(kLinkErrorNames[k])] =
            f.errors[k].load(std::memory_order_relaxed);
      }
    }
    return stats;
  };
  const std::string config_path = flags.config_path;
  api.config_text = [config_path] { return file_text(config_path); };

  // GET /metrics (issue 14): copied from the safety thread's atomics at scrape time.
  char proto_hash[17];
  std::snprintf(proto_hash, sizeof proto_hash, "%016llx",
                static_cast<unsigned long long>(hal::kDeviceProtoHash));
  MetricsBook metrics(BuildInfo{kSoftwareVersion, config.fingerprint, proto_hash});
  gateway.add_listener(metrics);
  api.metrics = [&metrics, &gateway, &loop] {
    MetricsInputs in;
    in.status = &gateway.status();
    in.loop = &loop.counters();
    in.channels = &loop.channels();
    in.gateway = &gateway.figures();
    in.events_waiting = gateway.events_waiting();
    in.pulses_waiting = gateway.pulses_waiting();
    return metrics.scrape(in);
  };

  if (settings.sim_control) {
    const std::string socket_path = *settings.sim_control;
    api.forward_sim_fault = [&service_io, socket_path](
                                std::string command,
                                std::function<void(bool ok, std::string reply)> done) {
      forward_to_simulator(service_io, socket_path, std::move(command), std::move(done));
    };
  }

  std::unique_ptr<ApiServer> server;
  try {
    server = std::make_unique<ApiServer>(service_io, gateway, store, std::move(api),
                                         settings.listen_address, settings.listen_port);
    if (settings.metrics_address) {
      server->listen_metrics(*settings.metrics_address, settings.metrics_port);
    }
  } catch (const std::exception& e) {
    spdlog::critical("the API cannot start: {}", e.what());
    return 2;
  }

  SystemdNotifier systemd(service_io, loop.counters().ticks);
  boost::asio::signal_set signals(service_io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) {
      return;
    }
    systemd.stopping();
    spdlog::info("signal {}: RF off, retracting, flushing records", signal);
    gateway.stop();
    loop.stop();
    gateway.shutdown();
    server->stop();
    service_io.stop();
  });

  loop.start();
  server->start();
  spdlog::info("rfneedled {}: listening on http://{}:{}/, boards {} and {}", kSoftwareVersion,
               settings.listen_address, server->port(), settings.generator_path,
               settings.actuator_path);
  if (settings.metrics_address) {
    spdlog::info("metrics only on http://{}:{}/metrics", *settings.metrics_address,
                 server->metrics_port());
  }
  // The store is open and the API listens (Type=notify; docs/operations.md, "Units").
  systemd.ready("listening on " + settings.listen_address + ":" + std::to_string(server->port()));
  service_io.run();
  loop.stop();
  if (gateway.unstored() > 0) {
    spdlog::error("{} records could not be stored before exit", gateway.unstored());
    return 1;
  }
  spdlog::info("stopped");
  return 0;
}

}  // namespace
}  // namespace rfneedle::daemon

int main(int argc, char** argv) {
  return rfneedle::daemon::run(std::vector<std::string>(argv + 1, argv + argc));
}
