#include "coordinator/engine/txn_registry.h"

#include <algorithm>

namespace xacoord {

void TxnRegistry::add(std::shared_ptr<Transaction> txn) {
  by_id_[txn->id_text] = std::move(txn);
  ++live_;
}

std::shared_ptr<Transaction> TxnRegistry::find(const std::string& txn_id) const {
  auto it = by_id_.find(txn_id);
  return it == by_id_.end() ? nullptr : it->second;
}

void TxnRegistry::finished(const std::shared_ptr<Transaction>& txn) {
  --live_;
  finished_order_.push_back(txn->id_text);
  while (finished_order_.size() > history_) {
    by_id_.erase(finished_order_.front());
    finished_order_.pop_front();
  }
}

std::vector<std::shared_ptr<Transaction>> TxnRegistry::list(
    const std::function<bool(const Transaction&)>& keep, std::size_t limit) const {
  std::vector<std::shared_ptr<Transaction>> out;
  for (const auto& [id, txn] : by_id_) {
    if (keep(*txn)) out.push_back(txn);
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a->started_at > b->started_at; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace xacoord
