// The decision store on the coordinator's own disk: the decision log of coordinator/log
// (docs/decision-log.md), with its group commit.
#pragma once

#include "coordinator/log/decision_log.h"
#include "coordinator/store/decision_store.h"

namespace xacoord {

class FileDecisionStore final : public DecisionStore {
 public:
  explicit FileDecisionStore(dlog::DecisionLog& log) : log_(log) {}

  std::string_view kind() const override { return "file"; }
  std::uint64_t epoch() const override { return log_.epoch(); }
  boost::asio::awaitable<bool> record_commit(CommitDecision decision) override;
  boost::asio::awaitable<bool> record_heuristic(HeuristicRecord record) override;
  void record_finished(std::string txn_id) override;
  boost::asio::awaitable<DecisionState> load() override;

  dlog::DecisionLog& log() { return log_; }

 private:
  dlog::DecisionLog& log_;
};

}  // namespace xacoord
