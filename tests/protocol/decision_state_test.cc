#include "protocol/decision_state.h"

#include <gtest/gtest.h>

namespace xacoord {
namespace {

CommitDecision decision(const std::string& id) {
  return CommitDecision{id, 1, {{"orders", Xid{kXacoordFormatId, "xacoord:" + id, "orders"}}}};
}

TEST(DecisionState, FinishedRemovesADecision) {
  DecisionState s;
  s.apply(decision("a"));
  s.apply(decision("b"));
  s.apply(FinishedRecord{"a"});
  EXPECT_FALSE(s.must_commit("a"));
  EXPECT_TRUE(s.must_commit("b"));
}

TEST(DecisionState, CheckpointAloneRebuildsTheState) {
  DecisionState s;
  s.set_epoch(4);
  s.apply(decision("a"));
  s.apply(HeuristicRecord{
      "h", true, 1, "forced", {{"orders", Xid{kXacoordFormatId, "xacoord:h", "orders"}}}});
  s.apply(HeuristicRecord{"r", false, 1, "forced", {}});
  DecisionState rebuilt;
  rebuilt.apply(decision("stale"));  // anything before a checkpoint is replaced by it
  rebuilt.apply(s.checkpoint());
  EXPECT_EQ(rebuilt.epoch(), 4u);
  EXPECT_EQ(rebuilt.open(), s.open());
  EXPECT_EQ(rebuilt.heuristics().size(), 2u);
  EXPECT_FALSE(rebuilt.must_commit("stale"));
  EXPECT_TRUE(rebuilt.must_commit("h"));   // a forced commit must commit
  EXPECT_FALSE(rebuilt.must_commit("r"));  // a forced rollback must not
}

}  // namespace
}  // namespace xacoord
