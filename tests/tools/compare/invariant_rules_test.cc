// The rules the reconcile checker and compare's sampler share (tools/reconcile/
// invariant_rules.h), fed made-up rows: each kind of break is caught, a window of recent
// orders raises no false alarm about the payments before it.
#include "coordinator/observability/invariant_rules.h"

#include <gtest/gtest.h>

namespace xacoord::reconcile {
namespace {

InvariantRows consistent() {
  InvariantRows r;
  r.orders = {{1, "a", 100, "PAID"}, {2, "a", 200, "CANCELLED"}, {3, "a", 300, "PENDING"}};
  r.payments = {{1, 1, "a", 100, "CAPTURED"}, {2, 2, "a", 200, "REFUNDED"}};
  r.accounts = {{"a", 900, 1000}};
  return r;
}

std::vector<std::string> subjects(const InvariantRows& r) {
  std::vector<std::string> out;
  for (const auto& d : check_invariants(r))
    out.push_back(subject_of(d));
  return out;
}

TEST(InvariantRules, ConsistentRowsPass) {
  EXPECT_TRUE(check_invariants(consistent()).empty());
}

TEST(InvariantRules, EachBreakIsCaughtAndNamesItsSubject) {
  auto paid_without = consistent();
  paid_without.payments.erase(paid_without.payments.begin());
  paid_without.accounts[0].balance = 1000;
  EXPECT_EQ(subjects(paid_without), std::vector<std::string>{"order:1"});

  auto cancelled_captured = consistent();
  cancelled_captured.payments[1].status = "CAPTURED";
  cancelled_captured.accounts[0].balance = 700;
  EXPECT_EQ(subjects(cancelled_captured), std::vector<std::string>{"order:2"});

  auto money = consistent();
  money.accounts[0].balance = 950;
  EXPECT_EQ(subjects(money), std::vector<std::string>{"account:a"});

  auto pending_paid = consistent();
  pending_paid.payments.push_back({3, 3, "a", 300, "CAPTURED"});
  pending_paid.accounts[0].balance = 600;
  EXPECT_EQ(subjects(pending_paid), std::vector<std::string>{"order:3"});
}

TEST(InvariantRules, PayingIsPendingOnlyWhileTransactionsRun) {
  auto r = consistent();
  r.orders[2].status = "PAYING";
  EXPECT_EQ(subjects(r), std::vector<std::string>{"order:3"}) << "settled: PAYING must be gone";
  r.paying_is_pending = true;
  EXPECT_TRUE(check_invariants(r).empty());
}

TEST(InvariantRules, AWindowCountsTheMoneyBeforeItWithoutCheckingItsOrders) {
  auto r = consistent();
  // Only orders from 2 on were read; order 1's payment comes as a sum.
  r.orders.erase(r.orders.begin());
  r.payments.erase(r.payments.begin());
  r.orders_from = 2;
  r.captured_outside["a"] = 100;
  EXPECT_TRUE(check_invariants(r).empty());
  r.captured_outside["a"] = 0;  // the sum is missing: the money no longer adds up
  EXPECT_EQ(subjects(r), std::vector<std::string>{"account:a"});
  // A payment below the window, listed anyway, counts for the money only.
  r.payments.push_back({1, 1, "a", 100, "CAPTURED"});
  EXPECT_TRUE(check_invariants(r).empty());
}

}  // namespace
}  // namespace xacoord::reconcile
