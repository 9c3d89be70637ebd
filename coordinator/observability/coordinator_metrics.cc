#include "coordinator/observability/coordinator_metrics.h"

namespace xacoord {
namespace {

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

constexpr const char* kTransactions = "xacoord_transactions_total";
constexpr const char* kTransactionsHelp = "Transactions by kind and outcome";
constexpr const char* kTransactionSeconds = "xacoord_transaction_duration_seconds";
constexpr const char* kTransactionSecondsHelp = "Transaction latency, begin to outcome";
constexpr const char* kPhaseSeconds = "xacoord_phase_duration_seconds";
constexpr const char* kPhaseSecondsHelp = "Latency of each protocol phase";
constexpr const char* kRecoveryActions = "xacoord_recovery_actions_total";
constexpr const char* kRecoveryActionsHelp = "Branches finished by recovery";

}  // namespace

CoordinatorMetrics::CoordinatorMetrics(metrics::Registry& registry)
    : registry_(registry),
      fsync_seconds_(registry.histogram("xacoord_decision_log_fsync_seconds",
                                        "Time of one fdatasync of the decision log",
                                        metrics::latency_buckets())),
      batch_records_(registry.histogram("xacoord_decision_log_batch_records",
                                        "Records made durable by one fdatasync (group commit)",
                                        {1, 2, 4, 8, 16, 32, 64, 128, 256, 512})),
      log_bytes_(registry.counter("xacoord_decision_log_bytes_total",
                                  "Bytes written to the decision log")),
      replays_(registry.counter("xacoord_idempotent_replays_total",
                                "Requests answered from a stored Idempotency-Key answer")),
      refunds_(registry.counter("xacoord_refunds_total",
                                "Cancels that found the order paid and refunded its payment")),
      read_timeouts_(registry.counter("xacoord_http_read_timeouts_total",
                                      "Connections closed because a request did not arrive in "
                                      "time (--http-read-timeout)")),
      connections_refused_(registry.counter(
          "xacoord_http_connections_refused_total",
          "Connections answered 503 and closed because --max-connections were open")) {
  for (const char* kind : {"pay", "cancel"}) {
    for (const char* outcome : {"committed", "aborted"})
      registry_.counter(kTransactions, kTransactionsHelp, {{"kind", kind}, {"outcome", outcome}});
  }
  for (const char* outcome : {"committed", "aborted"}) {
    registry_.histogram(kTransactionSeconds, kTransactionSecondsHelp, metrics::latency_buckets(),
                        {{"outcome", outcome}});
  }
  for (const char* phase : {"prepare", "decision", "commit", "rollback"}) {
    registry_.histogram(kPhaseSeconds, kPhaseSecondsHelp, metrics::latency_buckets(),
                        {{"phase", phase}});
  }
}

void CoordinatorMetrics::declare_participant(const std::string& participant) {
  for (const char* action : {"commit", "rollback"}) {
    for (const char* reason : {"startup", "retry", "orphan", "operator"}) {
      registry_.counter(kRecoveryActions, kRecoveryActionsHelp,
                        {{"participant", participant}, {"action", action}, {"reason", reason}});
    }
  }
}

void CoordinatorMetrics::transaction_finished(const std::string& kind, const std::string& outcome,
                                              std::chrono::steady_clock::duration took) {
  registry_.counter(kTransactions, kTransactionsHelp, {{"kind", kind}, {"outcome", outcome}}).inc();
  registry_
      .histogram(kTransactionSeconds, kTransactionSecondsHelp, metrics::latency_buckets(),
                 {{"outcome", outcome}})
      .observe(seconds(took));
}

void CoordinatorMetrics::phase(const std::string& name, std::chrono::steady_clock::duration took) {
  registry_
      .histogram(kPhaseSeconds, kPhaseSecondsHelp, metrics::latency_buckets(), {{"phase", name}})
      .observe(seconds(took));
}

void CoordinatorMetrics::recovery_action(const std::string& participant, const std::string& action,
                                         const std::string& reason) {
  registry_
      .counter(kRecoveryActions, kRecoveryActionsHelp,
               {{"participant", participant}, {"action", action}, {"reason", reason}})
      .inc();
}

void CoordinatorMetrics::http_request(const std::string& route, int status,
                                      std::chrono::steady_clock::duration took) {
  registry_
      .counter("xacoord_http_requests_total", "HTTP requests by route and status",
               {{"route", route}, {"status", std::to_string(status)}})
      .inc();
  registry_
      .histogram("xacoord_http_request_duration_seconds", "HTTP request latency",
                 metrics::latency_buckets(), {{"route", route}})
      .observe(seconds(took));
}

void CoordinatorMetrics::on_batch(std::size_t records, std::size_t bytes,
                                  std::chrono::nanoseconds sync_time) {
  fsync_seconds_.observe(std::chrono::duration<double>(sync_time).count());
  batch_records_.observe(static_cast<double>(records));
  log_bytes_.inc(bytes);
}

}  // namespace xacoord
