#include "coordinator/engine/transaction_table.h"

#include <algorithm>

#include "common/check.h"

namespace xacoord {

TransactionTable::TransactionTable(DecisionStore& store, CoordinatorMetrics& metrics, Clock& clock,
                                   std::size_t history)
    : store_(store), metrics_(metrics), clock_(clock), history_(history) {}

std::shared_ptr<Transaction> TransactionTable::begin(std::string kind,
                                                     std::optional<std::int64_t> order_id,
                                                     std::chrono::milliseconds deadline) {
  Transaction::Identity identity;
  identity.id = TxnId{node_id_, store_.epoch(), next_seq_++};
  identity.kind = std::move(kind);
  identity.order_id = order_id;
  identity.started_at = clock_.wall_now();
  identity.began = clock_.now();
  identity.deadline = identity.began + deadline;
  auto txn = std::make_shared<Transaction>(std::move(identity), *this);
  add(txn);
  return txn;
}

std::shared_ptr<Transaction> TransactionTable::make_adopted(const TxnId& id) {
  Transaction::Identity identity;
  identity.id = id;
  identity.kind = "recovered";
  identity.started_at = clock_.wall_now();
  identity.began = clock_.now();
  identity.deadline = identity.began;
  auto txn = std::make_shared<Transaction>(std::move(identity), *this);
  add(txn);
  return txn;
}

void TransactionTable::add(const std::shared_ptr<Transaction>& txn) {
  auto [it, inserted] = by_id_.try_emplace(txn->id_text(), txn);
  if (!inserted) {
    // Only a finished one may be replaced (recovery adopting an id it had finished).
    XA_CHECK(!live_.contains(it->second.get()),
             "two live transactions with the id " + txn->id_text());
    it->second = txn;
  }
  live_.insert(txn.get());
}

std::shared_ptr<Transaction> TransactionTable::find(const std::string& txn_id) const {
  auto it = by_id_.find(txn_id);
  return it == by_id_.end() ? nullptr : it->second;
}

void TransactionTable::finished(Transaction& txn) {
  XA_CHECK(live_.erase(&txn) == 1, "transaction " + txn.id_text() + " finished twice");
  // The store keeps a record until told: a commit decision, or an operator's decision
  // (a forced rollback too, which would otherwise ride along in every checkpoint).
  if (txn.recorded()) store_.record_finished(txn.id_text());
  metrics_.transaction_finished(txn.kind(),
                                txn.state() == TxnState::kCommitted ? "committed" : "aborted",
                                clock_.now() - txn.began());
  finished_order_.emplace_back(txn.id_text(), &txn);
  while (finished_order_.size() > history_) {
    auto& [id, which] = finished_order_.front();
    auto it = by_id_.find(id);
    if (it != by_id_.end() && it->second.get() == which) by_id_.erase(it);
    finished_order_.pop_front();
  }
}

std::vector<std::shared_ptr<Transaction>> TransactionTable::list(
    const std::function<bool(const Transaction&)>& keep, std::size_t limit) const {
  std::vector<std::shared_ptr<Transaction>> out;
  for (const auto& [id, txn] : by_id_) {
    if (keep(*txn)) out.push_back(txn);
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a->started_at() > b->started_at(); });
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::size_t TransactionTable::with_engine() const {
  return static_cast<std::size_t>(std::count_if(
      live_.begin(), live_.end(), [](const Transaction* t) { return t->with_engine(); }));
}

// Where a crash would find each live transaction: decided (recovery commits it), with a
// branch prepared and no decision (recovery rolls it back), or nothing prepared yet (the
// servers roll it back when its sessions go). An abort in progress counts by what it
// still holds prepared.
PhaseCounts TransactionTable::phases() const {
  PhaseCounts counts;
  for (const Transaction* t : live_) {
    if (t->state() == TxnState::kCommitting) {
      ++counts.decided_uncommitted;
      continue;
    }
    if (t->state() != TxnState::kActive && t->state() != TxnState::kPreparing &&
        t->state() != TxnState::kAborting) {
      continue;
    }
    bool any_prepared = std::any_of(
        t->branches().begin(), t->branches().end(),
        [](const Branch& b) { return b.state == BranchState::kPrepared || b.maybe_prepared; });
    if (any_prepared) {
      ++counts.prepared_undecided;
    } else {
      ++counts.before_prepare;
    }
  }
  return counts;
}

}  // namespace xacoord
