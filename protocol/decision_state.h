// The decision log's meaning: folding its records, in order, gives what recovery needs —
// the current epoch and every commit decision whose phase two is not yet confirmed.
#pragma once

#include <map>
#include <string>

#include "protocol/log_record.h"

namespace xacoord {

class DecisionState {
 public:
  void apply(const LogRecord& record);

  std::uint64_t epoch() const { return epoch_; }
  void set_epoch(std::uint64_t epoch) { epoch_ = epoch; }
  // Transactions that must commit and are not finished: logged decisions and forced commits.
  const std::map<std::string, CommitDecision>& open() const { return open_; }
  // Operator decisions on transactions not yet finished.
  const std::map<std::string, HeuristicRecord>& heuristics() const { return heuristics_; }

  bool must_commit(const std::string& txn_id) const { return open_.contains(txn_id); }
  // What a checkpoint must carry so that replaying it alone rebuilds this state.
  CheckpointRecord checkpoint() const;

 private:
  std::uint64_t epoch_ = 0;
  std::map<std::string, CommitDecision> open_;
  std::map<std::string, HeuristicRecord> heuristics_;
};

}  // namespace xacoord
