// Debian's prometheus and prometheus-alertmanager as the test's own children: loopback
// ports of their own, configuration and data in a scratch directory, the rules shipped
// in compose/prometheus/rules/ loaded unchanged. Intervals are a second (scrape, rule
// evaluation, Alertmanager grouping), so an alert without `for` reaches the webhook
// within seconds of the metric that raises it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "tests/ops/child_process.h"

namespace xacoord::test {

struct AlertingStackOptions {
  std::string scrape_target;  // host:port of the coordinator, scraped as job "xacoord"
  std::string webhook_url;    // where Alertmanager sends every notification
};

class AlertingStack {
 public:
  // Starts both and returns once both answer /-/ready; throws std::runtime_error with
  // their logs otherwise.
  static std::unique_ptr<AlertingStack> start(const AlertingStackOptions& options);
  ~AlertingStack();  // stops Prometheus, then Alertmanager

  // Waits until Prometheus has scraped the target successfully (up == 1).
  bool wait_target_up(std::chrono::milliseconds timeout);
  // Prometheus' view of its alerts (GET /api/v1/alerts) and both logs: what a failing
  // test should print.
  std::string diagnostics() const;

 private:
  AlertingStack() = default;
  std::string dir_;
  std::uint16_t prometheus_port_ = 0;
  std::uint16_t alertmanager_port_ = 0;
  std::unique_ptr<ChildProcess> alertmanager_;
  std::unique_ptr<ChildProcess> prometheus_;
};

}  // namespace xacoord::test
