#include "coordinator/architectures/saga/saga_metrics.h"

namespace xacoord::saga {

SagaMetrics::SagaMetrics(metrics::Registry& registry)
    : compensations_(registry.counter(
          "xacoord_saga_compensations_total",
          "Charges refunded because the order was cancelled before step 2 could mark it paid")),
      window_(registry.histogram(
          "xacoord_saga_inconsistency_window_seconds",
          "From a saga's first local commit to its last (step 2, the compensation or the refund)",
          metrics::latency_buckets())),
      max_window_(
          &registry.gauge("xacoord_saga_inconsistency_window_max_seconds",
                          "The longest inconsistency window since the coordinator started")) {
  // Every outcome is scraped as 0 before it first happens (coordinator_metrics.h).
  const std::pair<Kind, Phase> outcomes[] = {{Kind::kPay, Phase::kPaid},
                                             {Kind::kPay, Phase::kCompensated},
                                             {Kind::kPay, Phase::kNeverCharged},
                                             {Kind::kCancel, Phase::kRefunded},
                                             {Kind::kCancel, Phase::kNotCancelled}};
  for (const auto& [kind, phase] : outcomes) {
    finished_[{kind, phase}] = &registry.counter(
        "xacoord_sagas_finished_total", "Sagas finished, by kind and outcome",
        {{"kind", std::string(name_of(kind))}, {"outcome", std::string(name_of(phase))}});
  }
}

void SagaMetrics::finished(Kind kind, Phase phase) {
  auto it = finished_.find({kind, phase});
  if (it != finished_.end()) it->second->inc();
}

void SagaMetrics::window(std::chrono::steady_clock::duration took) {
  double seconds = std::chrono::duration<double>(took).count();
  window_.observe(seconds);
  if (seconds > max_window_->value()) max_window_->set(seconds);
}

}  // namespace xacoord::saga
