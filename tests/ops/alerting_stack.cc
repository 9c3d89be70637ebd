#include "tests/ops/alerting_stack.h"

#include <fstream>
#include <stdexcept>
#include <thread>

#include "coordinator/client/http_client.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string loopback(std::uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

HttpReply get(std::uint16_t port, const std::string& target) {
  return HttpClient("127.0.0.1", port, std::chrono::seconds(2)).get(target);
}

bool ready(std::uint16_t port) {
  try {
    return get(port, "/-/ready").status == 200;
  } catch (const std::exception&) {
    return false;  // not listening yet
  }
}

}  // namespace

std::unique_ptr<AlertingStack> AlertingStack::start(const AlertingStackOptions& options) {
  std::unique_ptr<AlertingStack> s(new AlertingStack());
  s->dir_ = scratch_dir("alerting");
  s->prometheus_port_ = free_port();
  s->alertmanager_port_ = free_port();
  while (s->alertmanager_port_ == s->prometheus_port_)
    s->alertmanager_port_ = free_port();

  // Grouped by alert and instance, each group sent a second after it changes.
  write_file(s->dir_ + "/alertmanager.yml",
             "route:\n"
             "  receiver: webhook\n"
             "  group_by: [alertname, instance]\n"
             "  group_wait: 1s\n"
             "  group_interval: 1s\n"
             "  repeat_interval: 1h\n"
             "receivers:\n"
             "  - name: webhook\n"
             "    webhook_configs:\n"
             "      - url: '" +
                 options.webhook_url +
                 "'\n"
                 "        send_resolved: true\n");
  write_file(s->dir_ + "/prometheus.yml",
             "global:\n"
             "  scrape_interval: 1s\n"
             "  scrape_timeout: 1s\n"
             "  evaluation_interval: 1s\n"
             "rule_files:\n"
             "  - '" +
                 source_dir() +
                 "/compose/prometheus/rules/xacoord.rules.yml'\n"
                 "alerting:\n"
                 "  alertmanagers:\n"
                 "    - static_configs:\n"
                 "        - targets: ['" +
                 loopback(s->alertmanager_port_) +
                 "']\n"
                 "scrape_configs:\n"
                 "  - job_name: xacoord\n"
                 "    static_configs:\n"
                 "      - targets: ['" +
                 options.scrape_target + "']\n");

  // No cluster port: this Alertmanager gossips with nobody.
  s->alertmanager_ = ChildProcess::start(
      {find_program("prometheus-alertmanager", "prometheus-alertmanager"),
       "--config.file=" + s->dir_ + "/alertmanager.yml", "--storage.path=" + s->dir_ + "/am",
       "--web.listen-address=" + loopback(s->alertmanager_port_), "--cluster.listen-address="},
      s->dir_ + "/alertmanager.log");
  s->prometheus_ = ChildProcess::start(
      {find_program("prometheus", "prometheus"), "--config.file=" + s->dir_ + "/prometheus.yml",
       "--storage.tsdb.path=" + s->dir_ + "/tsdb",
       "--web.listen-address=" + loopback(s->prometheus_port_)},
      s->dir_ + "/prometheus.log");

  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!(ready(s->alertmanager_port_) && ready(s->prometheus_port_))) {
    if (!s->alertmanager_->running() || !s->prometheus_->running() ||
        std::chrono::steady_clock::now() > until)
      throw std::runtime_error("Prometheus and Alertmanager did not get ready:\n" +
                               s->diagnostics());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return s;
}

AlertingStack::~AlertingStack() {
  prometheus_.reset();
  alertmanager_.reset();
}

bool AlertingStack::wait_target_up(std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    try {
      auto targets = get(prometheus_port_, "/api/v1/targets").json();
      for (const auto& t : targets["data"]["activeTargets"]) {
        if (t.value("health", "") == "up") return true;
      }
    } catch (const std::exception&) {
      // asked again below
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

std::string AlertingStack::diagnostics() const {
  std::string alerts;
  try {
    alerts = get(prometheus_port_, "/api/v1/alerts").body;
  } catch (const std::exception& e) {
    alerts = e.what();
  }
  return "Prometheus alerts: " + alerts + "\n--- prometheus.log\n" + prometheus_->log_text() +
         "\n--- alertmanager.log\n" + alertmanager_->log_text();
}

}  // namespace xacoord::test
