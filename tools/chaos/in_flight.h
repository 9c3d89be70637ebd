// Transactions in flight when a fault struck, by the phase a crash finds them in
// (docs/reliability.md, "In flight at the fault"): nothing prepared yet, a branch prepared
// without a durable commit decision, or decided and not committed on every branch.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/chaos/coordinator_events.h"
#include "tools/workload/history.h"

namespace xacoord::chaos {

struct InFlight {
  std::size_t before_prepare = 0;
  std::size_t prepared_undecided = 0;
  std::size_t decided_uncommitted = 0;
  // Work outside the XA phases, from GET /v1/status: pending_messages (outbox: messages not
  // yet delivered and applied), and for every architecture but xa its in_flight (outbox:
  // requests being answered and pays whose charge has not come back).
  std::size_t messages_pending = 0;

  std::size_t total() const {
    return before_prepare + prepared_undecided + decided_uncommitted + messages_pending;
  }
  InFlight& operator+=(const InFlight& other);
  nlohmann::json to_json() const;  // {"before_prepare": n, "prepared_undecided": n, ...}
};

// Samples of the phase gauge taken through a run, away from the faults: how often each
// phase had a transaction in it (the workload's promise: every phase busy at every instant).
struct PhaseSamples {
  std::size_t samples = 0;
  std::size_t with_before_prepare = 0;
  std::size_t with_prepared_undecided = 0;
  std::size_t with_decided_uncommitted = 0;
  std::size_t with_every_phase = 0;
  std::size_t with_none = 0;

  void add(const InFlight& sample);
  PhaseSamples& operator+=(const PhaseSamples& other);
  nlohmann::json to_json() const;  // the counts, and each as a share of the samples
};

// From a scrape of GET /metrics: the gauge xacoord_transactions_in_phase, sampled right
// before a fault strikes. nullopt if the scrape does not have it.
std::optional<InFlight> in_flight_from_metrics(const std::string& scrape);
// Adds GET /v1/status's figures (its JSON body) to `f` as messages_pending.
void add_status(InFlight& f, const nlohmann::json& status);

// For a crash the coordinator fired itself, where no scrape can come first: what the
// restarted coordinator's recovery found (open decisions were decided and uncommitted,
// transactions it rolls back were prepared and undecided), and the rest of the requests
// outstanding at the kill as before prepare — an upper bound, as some of those requests
// may not have begun a transaction yet.
InFlight in_flight_from_recovery(const RecoveryFound& found, std::size_t requests_outstanding);

// Requests of the history sent at or before `at` (seconds since the run began) and not
// answered by then: what the clients were waiting for at that instant.
std::size_t requests_outstanding_at(const std::vector<workload::Op>& ops, double at);

}  // namespace xacoord::chaos
