// The transactions this coordinator knows: every live one, and the most recent finished
// ones (a bounded history for GET /v1/transactions/{id}). io_context thread only.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "coordinator/engine/transaction.h"

namespace xacoord {

class TxnRegistry {
 public:
  // `history` bounds the finished transactions kept: about 1.5 KB each, so the default
  // 10,000 costs ~15 MB (docs/performance.md, "Memory").
  explicit TxnRegistry(std::size_t history = 10'000) : history_(history) {}

  void add(std::shared_ptr<Transaction> txn);
  std::shared_ptr<Transaction> find(const std::string& txn_id) const;
  // Marks a transaction finished: it stays findable until the history bound pushes it out.
  void finished(const std::shared_ptr<Transaction>& txn);

  std::size_t live() const { return live_; }
  // Transactions for which `keep` is true, newest first, at most `limit`.
  std::vector<std::shared_ptr<Transaction>> list(
      const std::function<bool(const Transaction&)>& keep, std::size_t limit) const;

 private:
  std::size_t history_;
  std::size_t live_ = 0;
  std::unordered_map<std::string, std::shared_ptr<Transaction>> by_id_;
  std::deque<std::string> finished_order_;  // oldest first
};

}  // namespace xacoord
