// The coordinator's metrics, by name (docs/api.md lists them). One instance per process.
//
// Label sets that are known up front (transaction kinds and outcomes, phases, recovery
// actions) are created at start-up, so every series is scraped as 0 before its first
// event: rate() and increase() then see the first increment too.
#pragma once

#include <chrono>
#include <string>

#include "coordinator/log/decision_log.h"
#include "coordinator/observability/metrics.h"

namespace xacoord {

class CoordinatorMetrics : public dlog::BatchObserver {
 public:
  explicit CoordinatorMetrics(metrics::Registry& registry);

  metrics::Registry& registry() { return registry_; }

  // Creates the recovery series of one participant (orders, payments) at zero.
  void declare_participant(const std::string& participant);

  // A transaction reached its outcome ("committed" or "aborted").
  void transaction_finished(const std::string& kind, const std::string& outcome,
                            std::chrono::steady_clock::duration took);
  // One protocol phase took this long: prepare, decision, commit, rollback.
  void phase(const std::string& name, std::chrono::steady_clock::duration took);
  // Recovery finished a branch: action commit|rollback, reason startup|retry|orphan|operator.
  void recovery_action(const std::string& participant, const std::string& action,
                       const std::string& reason);
  void http_request(const std::string& route, int status, std::chrono::steady_clock::duration took);
  // A connection closed because its request did not arrive within --http-read-timeout.
  void http_read_timeout() { read_timeouts_.inc(); }
  // A connection refused with a 503 because --max-connections were open.
  void http_connection_refused() { connections_refused_.inc(); }
  void idempotent_replay() { replays_.inc(); }
  // A cancel found the order paid, and its refund committed.
  void refund() { refunds_.inc(); }

  void on_batch(std::size_t records, std::size_t bytes,
                std::chrono::nanoseconds sync_time) override;

 private:
  metrics::Registry& registry_;
  metrics::Histogram& fsync_seconds_;
  metrics::Histogram& batch_records_;
  metrics::Counter& log_bytes_;
  metrics::Counter& replays_;
  metrics::Counter& refunds_;
  metrics::Counter& read_timeouts_;
  metrics::Counter& connections_refused_;
};

}  // namespace xacoord
