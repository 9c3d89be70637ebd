// The invariant check over rows (coordinator/observability/invariant_check.h): each kind of
// discrepancy planted on consistent rows is found under its invariant and subject, and the
// consistent rows themselves pass. The same check on real databases: tests/tools/.
#include <gtest/gtest.h>

#include "coordinator/observability/invariant_check.h"
#include "protocol/txn_id.h"

namespace xacoord::reconcile {
namespace {

// alice funded 1000: order 1 paid (300, captured), 2 cancelled after a refund, 3 pending.
Tables consistent() {
  Tables t;
  t.orders = {
      {1, "alice", 300, "PAID"}, {2, "alice", 200, "CANCELLED"}, {3, "alice", 50, "PENDING"}};
  t.payments = {{1, 1, "alice", 300, "CAPTURED"}, {2, 2, "alice", 200, "REFUNDED"}};
  t.accounts = {{"alice", 700, 1000}};
  return t;
}

std::vector<std::string> found(const Report& r) {
  std::vector<std::string> out;
  for (const auto& d : r.discrepancies)
    out.push_back(std::to_string(d.invariant) + " " + d.subject() + " " + d.problem);
  return out;
}

TEST(InvariantCheck, ConsistentRowsPass) {
  auto report = check(consistent());
  EXPECT_TRUE(report.ok()) << report.to_text();
  EXPECT_EQ(report.orders, 3u);
  EXPECT_EQ(report.payments, 2u);
}

TEST(InvariantCheck, APaidOrderWithoutItsPaymentBreaksInvariantOneOnly) {
  auto t = consistent();
  t.orders.push_back({4, "alice", 90, "PAID"});
  EXPECT_EQ(found(check(t)),
            std::vector<std::string>{"1 order:4 paid order without a captured payment"});
}

TEST(InvariantCheck, ACapturedPaymentOfAPendingOrderBreaksTwoAndThree) {
  auto t = consistent();
  t.payments.push_back({3, 3, "alice", 50, "CAPTURED"});
  auto report = check(t);
  EXPECT_EQ(found(report), (std::vector<std::string>{"2 order:3 pending order with a payment",
                                                     "3 account:alice money not conserved"}));
  EXPECT_EQ(report.count(2), 1u);
  EXPECT_EQ(report.count(3), 1u);
}

TEST(InvariantCheck, APaymentWithoutItsOrderAndACancelledOrderStillCaptured) {
  auto t = consistent();
  t.payments[1].status = "CAPTURED";
  t.accounts[0].balance = 500;
  t.payments.push_back({9, 9, "alice", 0, "REFUNDED"});
  EXPECT_EQ(found(check(t)), (std::vector<std::string>{
                                 "2 order:2 cancelled order with a payment that is not refunded",
                                 "1 order:9 payment for an order that does not exist"}));
}

TEST(InvariantCheck, PreparedBranchesCountOnlyForTheNodeInScope) {
  auto t = consistent();
  t.prepared.push_back({"orders", branch_xid(TxnId{"n1", 1, 7}, "orders")});
  t.prepared.push_back({"payments", branch_xid(TxnId{"n2", 1, 8}, "payments")});
  Scope scope;
  scope.node_id = "n1";
  auto report = check(t, scope);
  ASSERT_EQ(report.count(4), 1u) << report.to_text();
  EXPECT_EQ(report.discrepancies[0].subject().rfind("xid:", 0), 0u);
  scope.check_prepared = false;
  EXPECT_TRUE(check(t, scope).ok());
}

TEST(InvariantCheck, WithoutFundedCentsOnlyNegativeBalancesAreMoneyProblems) {
  auto t = consistent();
  t.has_funded = false;
  t.accounts[0].funded.reset();
  t.accounts[0].balance = -1;
  auto report = check(t);
  EXPECT_EQ(found(report), std::vector<std::string>{"3 account:alice negative balance"});
  EXPECT_EQ(report.notes.size(), 1u);
}

}  // namespace
}  // namespace xacoord::reconcile
