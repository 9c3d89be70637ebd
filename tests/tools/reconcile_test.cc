// The invariant checker must catch what it claims to: each fault is planted by hand with
// SQL, and the checker must name the right invariant for it (and stay quiet on good data).
#include "tools/reconcile/reconcile.h"

#include <gtest/gtest.h>

#include "participants/sql_text.h"
#include "protocol/txn_id.h"
#include "tests/support/db_pair.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

class ReconcileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = DbPair::shared();
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
    orders_ = pair_->connect("orders");
    payments_ = pair_->connect("payments");
    account_ = unique_name("rec");
    payments_->execute("INSERT INTO accounts (account_id, balance_cents, funded_cents) VALUES (" +
                       db::quote(account_) + ", 1000, 1000)");
  }
  // A consistent paid order: order PAID, payment CAPTURED, balance debited.
  std::int64_t paid_order(std::int64_t amount) {
    auto id = order("PAID", amount);
    payment(id, amount, "CAPTURED");
    payments_->execute("UPDATE accounts SET balance_cents = balance_cents - " +
                       std::to_string(amount) + " WHERE account_id = " + db::quote(account_));
    return id;
  }
  std::int64_t order(const std::string& status, std::int64_t amount) {
    orders_->execute("INSERT INTO orders (account_id, amount_cents, status) VALUES (" +
                     db::quote(account_) + ", " + std::to_string(amount) + ", '" + status + "')");
    return db::as_int(orders_->query("SELECT LAST_INSERT_ID()")[0], 0);
  }
  void payment(std::int64_t order_id, std::int64_t amount, const std::string& status) {
    payments_->execute(
        "INSERT INTO payments (payment_id, order_id, account_id, amount_cents, status) VALUES (" +
        std::to_string(order_id) + ", " + std::to_string(order_id) + ", " + db::quote(account_) +
        ", " + std::to_string(amount) + ", '" + status + "')");
  }
  reconcile::Report check() {
    reconcile::Scope scope;
    scope.account_prefix = account_;
    scope.node_id = node_;
    return reconcile::check(*orders_, *payments_, scope);
  }
  static bool has(const reconcile::Report& r, int invariant) {
    for (const auto& d : r.discrepancies) {
      if (d.invariant == invariant) return true;
    }
    return false;
  }

  std::unique_ptr<DbPair> pair_;
  std::unique_ptr<db::Connection> orders_, payments_;
  std::string account_;
  std::string node_ = "rec" + std::to_string(::getpid() % 100000);
};

TEST_F(ReconcileTest, GoodDataIsClean) {
  paid_order(100);
  order("PENDING", 50);
  auto cancelled = order("CANCELLED", 70);
  payment(cancelled, 70, "REFUNDED");
  auto report = check();
  EXPECT_TRUE(report.ok()) << report.to_text();
  EXPECT_EQ(report.orders, 3u);
}

TEST_F(ReconcileTest, CatchesAPaidOrderWithoutPayment) {
  order("PAID", 100);
  auto report = check();
  EXPECT_FALSE(report.ok());
  EXPECT_TRUE(has(report, 1)) << report.to_text();
}

TEST_F(ReconcileTest, CatchesAPaymentOfTheWrongAmount) {
  auto id = order("PAID", 100);
  payment(id, 90, "CAPTURED");
  payments_->execute("UPDATE accounts SET balance_cents = 910 WHERE account_id = " +
                     db::quote(account_));
  EXPECT_TRUE(has(check(), 1));
}

TEST_F(ReconcileTest, CatchesACancelledOrderThatKeptItsMoney) {
  auto id = order("CANCELLED", 100);
  payment(id, 100, "CAPTURED");
  payments_->execute("UPDATE accounts SET balance_cents = 900 WHERE account_id = " +
                     db::quote(account_));
  auto report = check();
  EXPECT_TRUE(has(report, 2)) << report.to_text();
}

TEST_F(ReconcileTest, CatchesAPendingOrderWithAPayment) {
  auto id = order("PENDING", 100);
  payment(id, 100, "REFUNDED");
  EXPECT_TRUE(has(check(), 2));
}

TEST_F(ReconcileTest, CatchesMoneyThatAppearsOrVanishes) {
  paid_order(100);
  payments_->execute("UPDATE accounts SET balance_cents = balance_cents + 1 WHERE account_id = " +
                     db::quote(account_));
  auto report = check();
  EXPECT_TRUE(has(report, 3)) << report.to_text();
  EXPECT_FALSE(has(report, 1));
}

TEST_F(ReconcileTest, CatchesABranchLeftPrepared) {
  Xid xid = branch_xid(TxnId{node_, 1, 1}, "orders");
  auto session = pair_->connect("orders");
  session->batch(
      {"XA START " + xid.to_sql(), "XA END " + xid.to_sql(), "XA PREPARE " + xid.to_sql()});
  auto report = check();
  EXPECT_TRUE(has(report, 4)) << report.to_text();
  EXPECT_EQ(report.prepared_branches, 1u);
  session->xa_rollback(xid);
  EXPECT_TRUE(check().ok());
}

}  // namespace
}  // namespace xacoord::test
