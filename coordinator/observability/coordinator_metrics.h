// The coordinator's metrics, by name (docs/api.md lists them). One instance per process.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "coordinator/log/decision_log.h"
#include "coordinator/observability/metrics.h"

namespace xacoord {

class CoordinatorMetrics : public dlog::BatchObserver {
 public:
  explicit CoordinatorMetrics(metrics::Registry& registry);

  metrics::Registry& registry() { return registry_; }

  // A transaction reached its outcome ("committed" or "aborted").
  void transaction_finished(const std::string& kind, const std::string& outcome,
                            std::chrono::steady_clock::duration took);
  // One protocol phase took this long: prepare, decision, commit, rollback.
  void phase(const std::string& name, std::chrono::steady_clock::duration took);
  // Recovery finished a branch: action commit|rollback, reason startup|retry|orphan|operator.
  void recovery_action(const std::string& participant, const std::string& action,
                       const std::string& reason);
  void http_request(const std::string& route, int status, std::chrono::steady_clock::duration took);
  void idempotent_replay() { replays_.inc(); }

  void on_batch(std::size_t records, std::size_t bytes,
                std::chrono::nanoseconds sync_time) override;

 private:
  metrics::Registry& registry_;
  metrics::Histogram& fsync_seconds_;
  metrics::Histogram& batch_records_;
  metrics::Counter& log_bytes_;
  metrics::Counter& replays_;
};

}  // namespace xacoord
