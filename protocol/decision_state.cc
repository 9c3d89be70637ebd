#include "protocol/decision_state.h"

namespace xacoord {

void DecisionState::apply(const LogRecord& record) {
  struct {
    DecisionState& s;
    void operator()(const CommitDecision& r) { s.open_[r.txn_id] = r; }
    void operator()(const FinishedRecord& r) {
      s.open_.erase(r.txn_id);
      s.heuristics_.erase(r.txn_id);
    }
    void operator()(const HeuristicRecord& r) {
      s.heuristics_[r.txn_id] = r;
      if (r.commit && !s.open_.contains(r.txn_id)) {
        s.open_[r.txn_id] = CommitDecision{r.txn_id, r.at_ms, r.branches};
      }
    }
    void operator()(const CheckpointRecord& r) {
      s.epoch_ = r.epoch;
      s.open_.clear();
      s.heuristics_.clear();
      for (const auto& d : r.open)
        s.open_[d.txn_id] = d;
      for (const auto& h : r.heuristics)
        s.heuristics_[h.txn_id] = h;
    }
  } visitor{*this};
  std::visit(visitor, record);
}

CheckpointRecord DecisionState::checkpoint() const {
  CheckpointRecord c;
  c.epoch = epoch_;
  for (const auto& [id, d] : open_)
    c.open.push_back(d);
  for (const auto& [id, h] : heuristics_)
    c.heuristics.push_back(h);
  return c;
}

}  // namespace xacoord
