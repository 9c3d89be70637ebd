// The history checker (contract invariant 5) must catch each kind of lost acknowledgement.
#include "tools/chaos/history_check.h"

#include <gtest/gtest.h>

namespace xacoord::chaos {
namespace {

Op pay(std::int64_t order, int status, std::string txn = "") {
  Op op;
  op.order_id = order;
  op.pay = true;
  op.status = status;
  op.txn_id = std::move(txn);
  return op;
}

Op cancel(std::int64_t order, int status) {
  Op op;
  op.order_id = order;
  op.pay = false;
  op.status = status;
  return op;
}

bool has(const std::vector<Anomaly>& found, const std::string& kind) {
  for (const auto& a : found) {
    if (a.kind == kind) return true;
  }
  return false;
}

TEST(HistoryCheck, AConsistentHistoryIsClean) {
  std::vector<Op> ops{pay(1, 200, "t1"), cancel(1, 200),    pay(2, 409),
                      cancel(2, 200),    pay(3, 200, "t3"), pay(4, 422)};
  std::map<std::int64_t, FinalOrder> state{{1, {"CANCELLED", "REFUNDED", "t1"}},
                                           {2, {"CANCELLED", std::nullopt, std::nullopt}},
                                           {3, {"PAID", "CAPTURED", "t3"}},
                                           {4, {"PENDING", std::nullopt, std::nullopt}}};
  EXPECT_TRUE(check_history(ops, state).empty());
}

TEST(HistoryCheck, CatchesALostPay) {
  std::vector<Op> ops{pay(1, 200, "t1")};
  EXPECT_TRUE(has(check_history(ops, {{1, {"PENDING", std::nullopt, std::nullopt}}}),
                  "acknowledged pay lost"));
  EXPECT_TRUE(has(check_history(ops, {{1, {"PAID", "CAPTURED", "t9"}}}), "acknowledged pay lost"));
}

TEST(HistoryCheck, CatchesALostCancel) {
  std::vector<Op> ops{cancel(1, 200)};
  EXPECT_TRUE(has(check_history(ops, {{1, {"PENDING", std::nullopt, std::nullopt}}}),
                  "acknowledged cancel lost"));
}

TEST(HistoryCheck, CatchesACaptureBehindRefusedPays) {
  std::vector<Op> ops{pay(1, 422), pay(1, 409)};
  EXPECT_TRUE(has(check_history(ops, {{1, {"PAID", "CAPTURED", "tx"}}}), "refused pay captured"));
  // With a pay still unanswered the capture may be that pay's: not an anomaly.
  ops.push_back(pay(1, 0));
  EXPECT_FALSE(has(check_history(ops, {{1, {"PAID", "CAPTURED", "tx"}}}), "refused pay captured"));
}

// The saga answers 409 after compensating a charge: the refunded payment stays, and is no
// anomaly under its promise — a captured one still is; under xa's, both are.
TEST(HistoryCheck, TheSagasPromiseAllowsARefundBehindARefusedPay) {
  std::vector<Op> ops{pay(1, 409), cancel(1, 200)};
  const std::map<std::int64_t, FinalOrder> refunded{{1, {"CANCELLED", "REFUNDED", "tx"}}};
  const std::map<std::int64_t, FinalOrder> captured{{1, {"CANCELLED", "CAPTURED", "tx"}}};
  HistoryPromise saga;
  saga.refused_pay_may_leave_refund = true;
  EXPECT_TRUE(check_history(ops, refunded, saga).empty());
  EXPECT_TRUE(has(check_history(ops, captured, saga), "refused pay captured"));
  EXPECT_TRUE(has(check_history(ops, refunded), "refused pay captured"));
}

// The outbox answers 202 and finishes later: PAID by an accepted pay, CANCELLED with no or
// a refunded payment, or PENDING again after a refused charge are kept promises; PAYING
// left over, a payment of another transaction, or a capture kept on a cancelled order are
// caught.
TEST(HistoryCheck, TheOutboxPromiseFinishesEveryAcceptedPay) {
  HistoryPromise outbox;
  outbox.pay_accepted_then_finished = true;
  std::vector<Op> ops{pay(1, 202, "t1"), pay(2, 202, "t2"), cancel(2, 200), pay(3, 202, "t3"),
                      pay(4, 202, "t4"), pay(4, 202, "t5"), cancel(5, 200), pay(5, 409)};
  const std::map<std::int64_t, FinalOrder> kept{{1, {"PAID", "CAPTURED", "t1"}},
                                                {2, {"CANCELLED", "REFUNDED", "t2"}},
                                                {3, {"PENDING", std::nullopt, std::nullopt}},
                                                {4, {"PAID", "CAPTURED", "t5"}},
                                                {5, {"CANCELLED", std::nullopt, std::nullopt}}};
  EXPECT_TRUE(check_history(ops, kept, outbox).empty());

  auto broken = kept;
  broken[1] = {"PAYING", std::nullopt, std::nullopt};
  EXPECT_TRUE(has(check_history(ops, broken, outbox), "accepted pay not finished"));
  broken = kept;
  broken[3] = {"PAID", "CAPTURED", "someone-else"};
  EXPECT_TRUE(has(check_history(ops, broken, outbox), "accepted pay not finished"));
  broken = kept;
  broken[3] = {"PENDING", "CAPTURED", "t3"};
  EXPECT_TRUE(has(check_history(ops, broken, outbox), "accepted pay not finished"));
  broken = kept;
  broken[2] = {"CANCELLED", "CAPTURED", "t2"};
  EXPECT_TRUE(has(check_history(ops, broken, outbox), "paid order cancelled without a refund"));
  broken = kept;
  broken[5] = {"CANCELLED", "REFUNDED", "t9"};
  EXPECT_TRUE(has(check_history(ops, broken, outbox), "refused pay captured"));
}

TEST(HistoryCheck, CatchesTwoAcknowledgedPaysAndAKeptCapture) {
  std::vector<Op> ops{pay(1, 200, "t1"), pay(1, 200, "t2"), cancel(1, 200)};
  auto found = check_history(ops, {{1, {"CANCELLED", "CAPTURED", "t2"}}});
  EXPECT_TRUE(has(found, "two pays acknowledged"));
  EXPECT_TRUE(has(found, "paid order cancelled without a refund"));
}

}  // namespace
}  // namespace xacoord::chaos
