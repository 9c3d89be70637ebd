// The decisions of a dead node, as the node taking it over sees them (docs/scale-out.md,
// "Takeover"): a DecisionStore over <root>/decisions/<dead node>/ for the recovery that
// finishes the dead node's branches.
//
//  - load() reads every commit decision and operator decision of the dead node,
//    linearizably, at one revision. Aborted markers count as "not decided" (presumed
//    abort); the dead node's next run deletes them.
//  - record_finished deletes a finished decision, guarded by the takeover's claim (once
//    the claim is lost, whoever takes over next finds the decision and commits an already
//    committed branch again, which is harmless).
//  - The taker never decides for the dead node: record_commit and record_heuristic refuse.
//    The dead run's own late writes cannot land either: each compares a registration
//    that is gone (node_registration.h).
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <cstdint>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "coordinator/store/decision_store.h"
#include "coordinator/store/etcd/decision_keys.h"
#include "coordinator/store/etcd/etcd_client.h"
#include "coordinator/store/etcd/takeover_claims.h"

namespace xacoord::etcd {

class DeadNodeDecisions final : public DecisionStore {
 public:
  DeadNodeDecisions(Client& client, KeyLayout layout, TakeoverClaim claim);

  std::string_view kind() const override { return "etcd"; }
  std::uint64_t epoch() const override { return 0; }  // never begins a transaction

  boost::asio::awaitable<bool> record_commit(CommitDecision decision) override;
  boost::asio::awaitable<bool> record_heuristic(HeuristicRecord record) override;
  void record_finished(std::string txn_id) override;
  boost::asio::awaitable<DecisionState> load() override;

  std::size_t deletes_pending() const { return deleting_; }

 private:
  boost::asio::awaitable<void> delete_finished(std::string txn_id);

  Client& client_;
  KeyLayout layout_;
  TakeoverClaim claim_;
  std::size_t deleting_ = 0;
};

}  // namespace xacoord::etcd
