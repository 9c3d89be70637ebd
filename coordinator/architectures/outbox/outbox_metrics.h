// The outbox architecture's metrics (docs/api.md's metrics list; docs/architectures/
// outbox.md, "Measured"): what the relays published, what the consumers applied by kind,
// the deliveries the inbox turned away, and messages parked as poison.
#pragma once

#include <cstdint>
#include <map>

#include "coordinator/architectures/outbox/outbox_messages.h"
#include "coordinator/observability/metrics.h"

namespace xacoord::outbox {

class OutboxMetrics {
 public:
  explicit OutboxMetrics(metrics::Registry& registry);

  void published(std::size_t n) { published_.inc(n); }
  void republished() { republished_.inc(); }
  void applied(Kind kind) { applied_.at(kind)->inc(); }
  void duplicate() { duplicates_.inc(); }
  void parked() { parked_.inc(); }

  std::uint64_t duplicates() const { return duplicates_.value(); }

 private:
  metrics::Counter& published_;
  metrics::Counter& republished_;
  metrics::Counter& duplicates_;
  metrics::Counter& parked_;
  std::map<Kind, metrics::Counter*> applied_;
};

}  // namespace xacoord::outbox
