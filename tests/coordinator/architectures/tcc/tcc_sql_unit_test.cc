// The barrier's verdicts from what its statements read (coordinator/architectures/tcc/
// tcc_sql.h): pure logic, every combination the server can answer.
#include <gtest/gtest.h>

#include "coordinator/architectures/tcc/tcc_sql.h"

namespace xacoord::tcc::sql {
namespace {

db::Rows one(std::optional<std::string> value) {
  db::Rows rows;
  rows.rows.push_back(db::Row{std::move(value)});
  return rows;
}

db::Rows none() {
  return db::Rows{};
}

// Results of barrier_sql for a Try or a Confirm: insert, ROW_COUNT(), the Try's row.
db::Results simple(int inserted, std::optional<std::string> try_reason) {
  return {std::nullopt, one(std::to_string(inserted)), try_reason ? one(try_reason) : none()};
}

// For a Cancel: its own insert and count, the Try's insert and count, the Try's row.
db::Results cancel(int try_inserted, int cancel_inserted, std::string try_reason) {
  return {std::nullopt, one(std::to_string(cancel_inserted)), std::nullopt,
          one(std::to_string(try_inserted)), one(std::move(try_reason))};
}

TEST(TccSql, BarrierStatementsMatchWhatTheVerdictReads) {
  EXPECT_EQ(barrier_sql("g", Branch::kOrders, Op::kTry).size(), 3u);
  EXPECT_EQ(barrier_sql("g", Branch::kOrders, Op::kConfirm).size(), 3u);
  auto c = barrier_sql("g", Branch::kPayments, Op::kCancel);
  ASSERT_EQ(c.size(), 5u);
  EXPECT_NE(c[0].find("'cancel', 'cancel'"), std::string::npos) << c[0];
  EXPECT_NE(c[2].find("'try', 'cancel'"), std::string::npos) << c[2];
  EXPECT_NE(c[4].find("FOR UPDATE"), std::string::npos) << "the Try's row is read with a lock";
}

TEST(TccSql, TryVerdicts) {
  EXPECT_EQ(verdict_from(Op::kTry, simple(1, "try")), Verdict::kFirst);
  EXPECT_EQ(verdict_from(Op::kTry, simple(0, "try")), Verdict::kRepeat);
  EXPECT_EQ(verdict_from(Op::kTry, simple(0, "cancel")), Verdict::kHanging);
}

TEST(TccSql, ConfirmVerdicts) {
  EXPECT_EQ(verdict_from(Op::kConfirm, simple(1, "try")), Verdict::kFirst);
  EXPECT_EQ(verdict_from(Op::kConfirm, simple(0, "try")), Verdict::kRepeat);
}

TEST(TccSql, CancelVerdicts) {
  EXPECT_EQ(verdict_from(Op::kCancel, cancel(0, 1, "try")), Verdict::kFirst);
  EXPECT_EQ(verdict_from(Op::kCancel, cancel(1, 1, "cancel")), Verdict::kNullCompensation);
  // The Try's row was put there by a probe of a lost Try: still a null compensation.
  EXPECT_EQ(verdict_from(Op::kCancel, cancel(0, 1, "cancel")), Verdict::kNullCompensation);
  EXPECT_EQ(verdict_from(Op::kCancel, cancel(0, 0, "try")), Verdict::kRepeat);
  EXPECT_EQ(verdict_from(Op::kCancel, cancel(0, 0, "cancel")), Verdict::kRepeat);
}

TEST(TccSql, StatesRoundTripAndUnknownOnesThrow) {
  for (State s : {State::kTrying, State::kConfirming, State::kCancelling, State::kConfirmed,
                  State::kCancelled})
    EXPECT_EQ(state_from(name_of(s)), s);
  EXPECT_THROW(state_from("PAYING"), std::runtime_error);
  EXPECT_TRUE(decided_confirm(State::kConfirmed));
  EXPECT_FALSE(decided_confirm(State::kTrying));
}

TEST(TccSql, AProbeTellsATryFromACancel) {
  EXPECT_TRUE(tried_from({std::nullopt, one("try")}));
  EXPECT_FALSE(tried_from({std::nullopt, one("cancel")}));
  EXPECT_FALSE(tried_from({std::nullopt, none()}));
  // The same probe settles a cancel of a paid order (its orders Confirm row).
  EXPECT_TRUE(committed_from(Op::kConfirm, {std::nullopt, one("confirm")}));
  EXPECT_FALSE(committed_from(Op::kConfirm, {std::nullopt, one("cancel")}));
  EXPECT_NE(probe_sql("g", Branch::kOrders, Op::kConfirm)[1].find("op = 'confirm'"),
            std::string::npos);
}

}  // namespace
}  // namespace xacoord::tcc::sql
