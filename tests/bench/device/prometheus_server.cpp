#include "tests/bench/device/prometheus_server.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

#include "tests/bench/device/device_bench.h"
#include "tests/support/api_client.h"

namespace rfneedle::bench {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Struct;
using google::protobuf::Value;

std::string tail(const std::string& text, std::size_t max_chars = 2000) {
  return text.size() <= max_chars ? text : text.substr(text.size() - max_chars);
}

// Prometheus's envelope: {"status":"success","data":...}; the data, or BenchError.
Struct answer_data(const testing::ApiResponse& r, const std::string& what) {
  if (r.status == 0) {
    throw BenchError("Prometheus did not answer " + what + ": " + r.transport_error);
  }
  Struct body;
  if (!google::protobuf::util::JsonStringToMessage(r.body, &body).ok()) {
    throw BenchError("Prometheus's answer to " + what + " is not JSON: " + r.describe());
  }
  const auto status = body.fields().find("status");
  const auto data = body.fields().find("data");
  if (!r.ok() || status == body.fields().end() || status->second.string_value() != "success" ||
      data == body.fields().end() || !data->second.has_struct_value()) {
    throw BenchError("Prometheus refused " + what + ": " + r.describe());
  }
  return data->second.struct_value();
}

std::map<std::string, std::string> labels_of(const Struct& object, const std::string& field) {
  std::map<std::string, std::string> out;
  const auto it = object.fields().find(field);
  if (it != object.fields().end() && it->second.has_struct_value()) {
    for (const auto& [name, value] : it->second.struct_value().fields()) {
      out[name] = value.string_value();
    }
  }
  return out;
}

}  // namespace

std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    throw BenchError("no socket for a free port: " + std::system_category().message(errno));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    ::close(fd);
    throw BenchError("cannot bind a free loopback port: " + std::system_category().message(errno));
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string prometheus_config(const std::vector<ScrapeTarget>& targets, const fs::path& rules,
                              std::chrono::seconds interval) {
  std::ostringstream out;
  out << "# Written by rfneedle-fleet (tests/bench/device/prometheus_server.cpp).\n"
      << "global:\n"
      << "  scrape_interval: " << interval.count() << "s\n"
      << "  scrape_timeout: " << interval.count() << "s\n"
      << "  evaluation_interval: " << interval.count() << "s\n"
      << "rule_files:\n"
      << "  - \"" << rules.string() << "\"\n"
      << "scrape_configs:\n"
      << "  - job_name: rfneedle\n"
      << "    static_configs:\n";
  for (const ScrapeTarget& t : targets) {
    out << "      - targets: [\"" << t.address << "\"]\n"
        << "        labels: {device: \"" << t.device << "\"}\n";
  }
  return out.str();
}

PrometheusServer::PrometheusServer(const fs::path& program, const fs::path& dir,
                                   const fs::path& rules, const std::vector<ScrapeTarget>& targets,
                                   std::chrono::seconds interval)
    : dir_(dir), config_(dir / "prometheus.yml") {
  if (!fs::is_regular_file(rules)) {
    throw BenchError("the rules file " + rules.string() + " does not exist");
  }
  fs::create_directories(data_dir());
  std::ofstream(config_) << prometheus_config(targets, fs::absolute(rules), interval);
  const fs::path promtool = program.parent_path() / "promtool";
  if (::access(promtool.c_str(), X_OK) == 0) {
    const testing::RunResult check = testing::run_program(
        promtool.string(), {"check", "config", config_.string()}, dir_, std::chrono::seconds(30));
    if (check.status != 0) {
      throw BenchError("promtool check config " + config_.string() + " failed: " + check.out +
                       check.err);
    }
  }
  port_ = free_loopback_port();
  const std::string listen = "127.0.0.1:" + std::to_string(port_);
  process_ = std::make_unique<testing::ChildProcess>(
      program.string(),
      std::vector<std::string>{"--config.file=" + config_.string(),
                               "--storage.tsdb.path=" + data_dir().string(),
                               "--web.listen-address=" + listen},
      dir_);
  const testing::ApiClient client("127.0.0.1", port_, std::chrono::seconds(2));
  const bool ready = testing::eventually(
      [&] { return !process_->running() || client.get("/-/ready").status == 200; },
      std::chrono::seconds(60));
  if (!ready || !process_->running()) {
    throw BenchError("Prometheus did not become ready on " + listen +
                     (process_->running() ? "" : " (it exited)") + ": " +
                     tail(process_->standard_error()));
  }
}

PrometheusServer::~PrometheusServer() {
  if (process_ && process_->running() && !stop()) {
    process_->signal(SIGKILL);
    (void)process_->wait(std::chrono::seconds(5));
  }
}

std::optional<int> PrometheusServer::stop(std::chrono::milliseconds limit) {
  process_->signal(SIGTERM);
  return process_->wait(limit);
}

std::string PrometheusServer::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/";
}

PrometheusApi::PrometheusApi(std::uint16_t port) : port_(port) {}

std::vector<PromSample> PrometheusApi::query(const std::string& expr) const {
  const testing::ApiClient client("127.0.0.1", port_, std::chrono::seconds(10));
  const std::string what = "the query '" + expr + "'";
  const Struct data = answer_data(client.get("/api/v1/query?query=" + url_encode(expr)), what);
  const auto type = data.fields().find("resultType");
  const auto result = data.fields().find("result");
  if (type == data.fields().end() || type->second.string_value() != "vector" ||
      result == data.fields().end() || !result->second.has_list_value()) {
    throw BenchError("Prometheus's answer to " + what + " is not a vector");
  }
  std::vector<PromSample> out;
  for (const Value& v : result->second.list_value().values()) {
    const Struct& s = v.struct_value();
    PromSample sample;
    sample.labels = labels_of(s, "metric");
    const auto value = s.fields().find("value");  // [time, "value"]
    if (value == s.fields().end() || value->second.list_value().values_size() != 2) {
      throw BenchError("a sample of " + what + " has no [time, value]");
    }
    sample.value = std::stod(value->second.list_value().values(1).string_value());
    out.push_back(std::move(sample));
  }
  return out;
}

std::vector<PromAlert> PrometheusApi::alerts() const {
  const testing::ApiClient client("127.0.0.1", port_, std::chrono::seconds(10));
  const Struct data = answer_data(client.get("/api/v1/alerts"), "/api/v1/alerts");
  std::vector<PromAlert> out;
  const auto alerts = data.fields().find("alerts");
  if (alerts == data.fields().end() || !alerts->second.has_list_value()) {
    return out;
  }
  for (const Value& v : alerts->second.list_value().values()) {
    const Struct& a = v.struct_value();
    PromAlert alert;
    alert.labels = labels_of(a, "labels");
    const auto state = a.fields().find("state");
    alert.state = state == a.fields().end() ? "" : state->second.string_value();
    out.push_back(std::move(alert));
  }
  return out;
}

std::string url_encode(const std::string& text) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
      continue;
    }
    out += '%';
    out += kHex[u >> 4];
    out += kHex[u & 0xF];
  }
  return out;
}

}  // namespace rfneedle::bench
