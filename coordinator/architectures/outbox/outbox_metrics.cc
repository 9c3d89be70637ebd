#include "coordinator/architectures/outbox/outbox_metrics.h"

#include <string>

namespace xacoord::outbox {

OutboxMetrics::OutboxMetrics(metrics::Registry& registry)
    : published_(registry.counter("xacoord_outbox_published_total",
                                  "Outbox rows the relays published and marked published")),
      republished_(registry.counter(
          "xacoord_outbox_republished_total",
          "Publishes Redis had already taken (a relay died or lost the answer): no second entry")),
      duplicates_(registry.counter(
          "xacoord_outbox_duplicate_deliveries_total",
          "Messages delivered again after they were applied: the inbox turned them away")),
      parked_(
          registry.counter("xacoord_outbox_parked_total",
                           "Stream entries that are no message of ours: acknowledged, logged")) {
  // Every kind is scraped as 0 before it first happens.
  for (Kind k : {Kind::kCharge, Kind::kCharged, Kind::kChargeRefused, Kind::kRefund}) {
    applied_[k] = &registry.counter("xacoord_outbox_applied_total",
                                    "Messages applied by the consumers, by kind",
                                    {{"kind", std::string(name_of(k))}});
  }
}

}  // namespace xacoord::outbox
