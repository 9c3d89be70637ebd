// Every transaction this coordinator knows: the live ones, and the most recent finished
// ones (a bounded history for GET /v1/transactions/{id}). It makes transactions (for the
// engine and for recovery) and is their Finisher: when one finishes, the decision store
// is told if it holds a record of it, the metrics count it, and it joins the history.
// io_context thread only.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "coordinator/engine/transaction.h"
#include "coordinator/observability/coordinator_metrics.h"
#include "coordinator/store/decision_store.h"

namespace xacoord {

// How many live transactions a crash would find at each step (for chaos and metrics).
struct PhaseCounts {
  std::size_t before_prepare = 0;       // nothing prepared yet
  std::size_t prepared_undecided = 0;   // a branch prepared, no decision durable
  std::size_t decided_uncommitted = 0;  // COMMITTING: decided, phase two not confirmed
};

class TransactionTable final : public Finisher {
 public:
  // `history` bounds the finished transactions kept: about 1.5 KB each, so the default
  // 10,000 costs ~15 MB (docs/performance.md, "Memory").
  TransactionTable(DecisionStore& store, CoordinatorMetrics& metrics, Clock& clock,
                   std::size_t history = 10'000);

  // A new transaction of the engine, ACTIVE, with the next id of this run.
  std::shared_ptr<Transaction> begin(std::string kind, std::optional<std::int64_t> order_id,
                                     std::chrono::milliseconds deadline);
  // A transaction recovery found: call Transaction::adopt on it once its branches are in.
  std::shared_ptr<Transaction> make_adopted(const TxnId& id);

  std::shared_ptr<Transaction> find(const std::string& txn_id) const;
  // Live ones (not finished), and those for which `keep` is true, newest first, at most
  // `limit`.
  std::vector<std::shared_ptr<Transaction>> list(
      const std::function<bool(const Transaction&)>& keep, std::size_t limit) const;
  std::size_t live() const { return live_.size(); }
  // Begun by the engine and not yet released by it.
  std::size_t with_engine() const;
  PhaseCounts phases() const;

  const std::string& node_id() const { return node_id_; }
  void set_node_id(std::string node_id) { node_id_ = std::move(node_id); }

  void finished(Transaction& txn) override;

 private:
  void add(const std::shared_ptr<Transaction>& txn);

  DecisionStore& store_;
  CoordinatorMetrics& metrics_;
  Clock& clock_;
  std::size_t history_;
  std::string node_id_ = "1";
  std::uint64_t next_seq_ = 1;
  std::unordered_map<std::string, std::shared_ptr<Transaction>> by_id_;
  std::unordered_set<Transaction*> live_;
  // Oldest first. Each entry names the transaction it was pushed for, so a later one
  // adopted under the same id is never pushed out by its predecessor's entry.
  std::deque<std::pair<std::string, const Transaction*>> finished_order_;
};

}  // namespace xacoord
