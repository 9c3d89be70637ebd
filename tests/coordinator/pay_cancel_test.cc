// Pay and cancel through the real coordinator process, against the real MariaDB pair.
#include <gtest/gtest.h>

#include "tests/support/coordinator_process.h"
#include "tests/support/db_pair.h"
#include "tests/support/shop.h"
#include "tools/reconcile/reconcile.h"

namespace xacoord::test {
namespace {

class PayCancelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pair_ = DbPair::shared();
    if (!pair_) return;
    coordinator_ = CoordinatorProcess::start(CoordinatorOptions::for_pair(*pair_));
    ASSERT_TRUE(coordinator_->wait_ready()) << coordinator_->log_text();
  }
  static void TearDownTestSuite() {
    coordinator_.reset();
    pair_.reset();
  }
  void SetUp() override {
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  }
  HttpClient client() { return coordinator_->client(); }
  void expect_consistent(const std::string& account) {
    auto o = pair_->connect("orders");
    auto p = pair_->connect("payments");
    reconcile::Scope scope;
    scope.account_prefix = account;
    auto report = reconcile::check(*o, *p, scope);
    EXPECT_TRUE(report.ok()) << report.to_text();
  }

  static std::unique_ptr<DbPair> pair_;
  static std::unique_ptr<CoordinatorProcess> coordinator_;
};
std::unique_ptr<DbPair> PayCancelTest::pair_;
std::unique_ptr<CoordinatorProcess> PayCancelTest::coordinator_;

TEST_F(PayCancelTest, PayMovesMoneyAndMarksTheOrderPaid) {
  auto c = client();
  auto account = open_account(c, "pay", 10'000);
  auto order = create_order(c, account, 1'299);
  auto reply = pay(c, order);
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto body = reply.json();
  EXPECT_EQ(body["status"], "PAID");
  EXPECT_EQ(body["order_id"], order);
  EXPECT_FALSE(body["txn_id"].get<std::string>().empty());
  auto shown = c.get("/v1/orders/" + std::to_string(order)).json();
  EXPECT_EQ(shown["status"], "PAID");
  EXPECT_EQ(shown["payment"]["status"], "CAPTURED");
  EXPECT_EQ(shown["payment"]["payment_id"], body["payment_id"]);
  EXPECT_EQ(balance(c, account), 10'000 - 1'299);
  auto txn = c.get("/v1/transactions/" + body["txn_id"].get<std::string>()).json();
  EXPECT_EQ(txn["state"], "COMMITTED");
  ASSERT_EQ(txn["branches"].size(), 2u);
  for (const auto& b : txn["branches"])
    EXPECT_EQ(b["state"], "COMMITTED");
  expect_consistent(account);
}

TEST_F(PayCancelTest, CancelOfAPendingOrderRefundsNothing) {
  auto c = client();
  auto account = open_account(c, "cxl", 5'000);
  auto order = create_order(c, account, 700);
  auto reply = cancel(c, order);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json()["status"], "CANCELLED");
  EXPECT_EQ(reply.json()["refunded"], false);
  EXPECT_EQ(order_status(c, order), "CANCELLED");
  EXPECT_EQ(balance(c, account), 5'000);
  // A pay after the cancel is refused with the order's current status.
  auto late = pay(c, order);
  EXPECT_EQ(late.status, 409);
  EXPECT_EQ(late.headers["content-type"], "application/problem+json");
  EXPECT_NE(late.json()["detail"].get<std::string>().find("CANCELLED"), std::string::npos);
  expect_consistent(account);
}

TEST_F(PayCancelTest, CancelOfAPaidOrderRefundsInOneTransaction) {
  auto c = client();
  auto account = open_account(c, "refund", 3'000);
  auto order = create_order(c, account, 1'000);
  ASSERT_EQ(pay(c, order).status, 200);
  auto reply = cancel(c, order);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json()["refunded"], true);
  auto shown = c.get("/v1/orders/" + std::to_string(order)).json();
  EXPECT_EQ(shown["status"], "CANCELLED");
  EXPECT_EQ(shown["payment"]["status"], "REFUNDED");
  EXPECT_EQ(balance(c, account), 3'000);
  // Cancelling again answers what was recorded: the same transaction, refunded.
  auto again = cancel(c, order);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.json()["txn_id"], reply.json()["txn_id"]);
  EXPECT_EQ(again.json()["refunded"], true);
  expect_consistent(account);
}

TEST_F(PayCancelTest, PayingTwiceIsAConflict) {
  auto c = client();
  auto account = open_account(c, "twice", 3'000);
  auto order = create_order(c, account, 1'000);
  ASSERT_EQ(pay(c, order).status, 200);
  auto second = pay(c, order);
  EXPECT_EQ(second.status, 409);
  EXPECT_NE(second.json()["detail"].get<std::string>().find("PAID"), std::string::npos);
  EXPECT_EQ(balance(c, account), 2'000);
}

TEST_F(PayCancelTest, InsufficientFundsIs422AndChangesNothing) {
  auto c = client();
  auto account = open_account(c, "poor", 500);
  auto order = create_order(c, account, 501);
  auto reply = pay(c, order);
  EXPECT_EQ(reply.status, 422);
  EXPECT_EQ(reply.json()["type"], "/problems/insufficient-funds");
  EXPECT_EQ(order_status(c, order), "PENDING");
  EXPECT_EQ(balance(c, account), 500);
  auto txn = c.get("/v1/transactions?state=ABORTED&limit=1000").json();
  bool found = false;
  for (const auto& t : txn["transactions"])
    found = found || t["order_id"] == order;
  EXPECT_TRUE(found) << "the refused payment's transaction shows as ABORTED";
  expect_consistent(account);
}

TEST_F(PayCancelTest, UnknownThingsAre404AndBadInput400) {
  auto c = client();
  EXPECT_EQ(pay(c, 999'999'999'999).status, 404);
  EXPECT_EQ(cancel(c, 999'999'999'999).status, 404);
  EXPECT_EQ(c.get("/v1/orders/999999999999").status, 404);
  EXPECT_EQ(c.get("/v1/accounts/nobody-here").status, 404);
  EXPECT_EQ(c.post_json("/v1/orders", {{"account_id", "nobody-here"}, {"amount_cents", 5}}).status,
            404);
  EXPECT_EQ(c.get("/v1/orders/abc").status, 400);
  EXPECT_EQ(c.post_json("/v1/accounts", {{"account_id", "x"}, {"balance_cents", -5}}).status, 400);
  auto account = open_account(c, "dup", 1);
  EXPECT_EQ(c.post_json("/v1/accounts", {{"account_id", account}, {"balance_cents", 1}}).status,
            409);
  EXPECT_EQ(c.get("/healthz").status, 200);
}

}  // namespace
}  // namespace xacoord::test
