// A real Prometheus server (Debian's `prometheus`) scraping a fleet of devices: its own
// configuration and TSDB directory, the web listener on a free loopback port, a short
// scrape and rule evaluation interval, the rules of tools/prometheus/ loaded. The packaged
// service (prometheus.service, its /etc/prometheus/ and /var/lib/prometheus/) is never
// touched. And a reader of its HTTP API (`/api/v1/query`, `/api/v1/alerts`).
//
//   PrometheusServer prometheus("prometheus", dir, rules, {{"fleet-1", "127.0.0.1:9464"}});
//   prometheus.url();                              // http://127.0.0.1:PORT/
//   PrometheusApi api(prometheus.port());
//   api.query("up{job=\"rfneedle\"}");             // one sample per series
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/child_process.h"

namespace rfneedle::bench {

// A device Prometheus scrapes: the `device` label it gets, and its metrics listener.
struct ScrapeTarget {
  std::string device;
  std::string address;  // HOST:PORT of GET /metrics
};

// A free TCP port on 127.0.0.1 (the kernel's choice for port 0, released again).
[[nodiscard]] std::uint16_t free_loopback_port();

// Prometheus's configuration for `targets` (job "rfneedle", scraped every `interval`,
// rules evaluated as often), the `rules` file loaded.
[[nodiscard]] std::string prometheus_config(const std::vector<ScrapeTarget>& targets,
                                            const std::filesystem::path& rules,
                                            std::chrono::seconds interval);

class PrometheusServer {
 public:
  // Writes `dir`/prometheus.yml, checks it with promtool when it is there beside `program`,
  // starts `program` with its TSDB in `dir`/data and waits until /-/ready answers 200.
  // Throws BenchError naming what failed (with the end of Prometheus's log).
  PrometheusServer(const std::filesystem::path& program, const std::filesystem::path& dir,
                   const std::filesystem::path& rules, const std::vector<ScrapeTarget>& targets,
                   std::chrono::seconds interval = std::chrono::seconds(1));
  // SIGTERM, and SIGKILL if it is still running 10 s later.
  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string url() const;
  [[nodiscard]] const std::filesystem::path& config_path() const { return config_; }
  [[nodiscard]] std::filesystem::path data_dir() const { return dir_ / "data"; }
  [[nodiscard]] pid_t pid() const { return process_->pid(); }
  // SIGTERM and its exit status (none if it is still running after `limit`).
  std::optional<int> stop(std::chrono::milliseconds limit = std::chrono::seconds(10));

 private:
  std::filesystem::path dir_;
  std::filesystem::path config_;
  std::uint16_t port_ = 0;
  std::unique_ptr<testing::ChildProcess> process_;
};

// One sample of an instant query's vector: its labels and value.
struct PromSample {
  std::map<std::string, std::string> labels;
  double value = 0;
};
// One alert of /api/v1/alerts: its labels and state (`pending` or `firing`).
struct PromAlert {
  std::map<std::string, std::string> labels;
  std::string state;
};

// Prometheus's HTTP API on 127.0.0.1:`port`. Each call throws BenchError when Prometheus
// does not answer, answers an error, or with something other than what was asked.
class PrometheusApi {
 public:
  explicit PrometheusApi(std::uint16_t port);
  // GET /api/v1/query?query=EXPR, whose result must be a vector.
  [[nodiscard]] std::vector<PromSample> query(const std::string& expr) const;
  // GET /api/v1/alerts: every pending and firing alert.
  [[nodiscard]] std::vector<PromAlert> alerts() const;

 private:
  std::uint16_t port_;
};

// `text` percent-encoded for a URL's query string (RFC 3986: unreserved characters kept).
[[nodiscard]] std::string url_encode(const std::string& text);

}  // namespace rfneedle::bench
