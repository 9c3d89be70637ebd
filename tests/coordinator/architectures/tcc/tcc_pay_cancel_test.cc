// The tcc architecture through the real coordinator process on the real MariaDB pair: pay,
// cancel of a pending and of a paid order, short funds, repeats with an Idempotency-Key,
// /v1/status — and the race's rule provoked on purpose: a cancel (from a second
// coordinator) meets the order PAYING while the pay stalls between its Tries and its
// decision; the cancel ends the pay, the pay answers 409, nothing stays frozen.
#include <gtest/gtest.h>

#include "tests/coordinator/architectures/tcc/tcc_fixture.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

class TccPayCancelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pair_ = DbPair::shared();
    if (!pair_) return;
    node_ = unique_node_id("tc");
    coordinator_ = start_tcc(*pair_, node_);
  }
  static void TearDownTestSuite() {
    coordinator_.reset();
    pair_.reset();
  }
  void SetUp() override {
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  }
  HttpClient client() { return coordinator_->client(); }

  static std::unique_ptr<DbPair> pair_;
  static std::unique_ptr<CoordinatorProcess> coordinator_;
  static std::string node_;
};
std::unique_ptr<DbPair> TccPayCancelTest::pair_;
std::unique_ptr<CoordinatorProcess> TccPayCancelTest::coordinator_;
std::string TccPayCancelTest::node_;

TEST_F(TccPayCancelTest, PayTriesBothThenConfirmsBoth) {
  auto c = client();
  const std::string prefix = unique_name("tcpay");
  auto account = open_account(c, prefix, 10'000);
  auto order = create_order(c, account, 1'299);
  auto reply = pay(c, order);
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto body = reply.json();
  EXPECT_EQ(body["status"], "PAID");
  EXPECT_EQ(body["order_id"], order);
  const std::string gid = body["txn_id"];
  EXPECT_EQ(order_status(c, order), "PAID");
  EXPECT_EQ(balance(c, account), 10'000 - 1'299);
  EXPECT_EQ(frozen_in_db(*pair_, account), 0) << "Confirm released the frozen funds";
  EXPECT_EQ(tcc_payment_in_db(*pair_, order), "CAPTURED " + gid + " -");
  EXPECT_EQ(tcc_globals_of_order(*pair_, order), std::vector<std::string>{"pay:CONFIRMED"});
  EXPECT_EQ(barrier_rows(*pair_, "orders", gid),
            (std::vector<std::string>{"orders.confirm:confirm", "orders.try:try"}));
  EXPECT_EQ(barrier_rows(*pair_, "payments", gid),
            (std::vector<std::string>{"payments.confirm:confirm", "payments.try:try"}));
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
  EXPECT_EQ(pay(c, order).status, 409) << "a paid order is not payable";
  EXPECT_EQ(balance(c, account), 10'000 - 1'299);
}

TEST_F(TccPayCancelTest, CancelOfAPendingOrderIsOneLocalCommit) {
  auto c = client();
  const std::string prefix = unique_name("tccxl");
  auto account = open_account(c, prefix, 5'000);
  auto order = create_order(c, account, 700);
  auto reply = cancel(c, order);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json()["refunded"], false);
  EXPECT_EQ(order_status(c, order), "CANCELLED");
  EXPECT_EQ(tcc_payment_in_db(*pair_, order), "none");
  EXPECT_TRUE(tcc_globals_of_order(*pair_, order).empty()) << "nothing to refund";
  auto late = pay(c, order);
  EXPECT_EQ(late.status, 409);
  EXPECT_NE(late.json()["detail"].get<std::string>().find("CANCELLED"), std::string::npos);
  EXPECT_EQ(balance(c, account), 5'000);
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
}

TEST_F(TccPayCancelTest, CancelOfAPaidOrderRefundsThroughItsOwnGlobalTransaction) {
  auto c = client();
  const std::string prefix = unique_name("tcref");
  auto account = open_account(c, prefix, 3'000);
  auto order = create_order(c, account, 1'000);
  auto paid = pay(c, order);
  ASSERT_EQ(paid.status, 200) << paid.body;
  auto reply = cancel(c, order, unique_name("cxl"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json()["refunded"], true);
  const std::string refund = reply.json()["txn_id"];
  EXPECT_EQ(order_status(c, order), "CANCELLED");
  EXPECT_EQ(tcc_payment_in_db(*pair_, order),
            "REFUNDED " + paid.json()["txn_id"].get<std::string>() + " " + refund);
  EXPECT_EQ(balance(c, account), 3'000);
  EXPECT_EQ(tcc_globals_of_order(*pair_, order),
            (std::vector<std::string>{"pay:CONFIRMED", "refund:CONFIRMED"}));
  auto again = cancel(c, order);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.json()["txn_id"], refund);
  EXPECT_EQ(again.json()["refunded"], true);
  EXPECT_EQ(balance(c, account), 3'000) << "refunded once";
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
}

TEST_F(TccPayCancelTest, InsufficientFundsRefusesTheTryAndCancelsTheOrdersTry) {
  auto c = client();
  const std::string prefix = unique_name("tcpoor");
  auto account = open_account(c, prefix, 500);
  auto order = create_order(c, account, 501);
  auto reply = pay(c, order, unique_name("poor"));
  EXPECT_EQ(reply.status, 422) << reply.body;
  EXPECT_EQ(reply.json()["type"], "/problems/insufficient-funds");
  EXPECT_EQ(order_status(c, order), "PENDING") << "the orders Try was cancelled: PAYING undone";
  EXPECT_EQ(balance(c, account), 500);
  EXPECT_EQ(frozen_in_db(*pair_, account), 0);
  EXPECT_EQ(tcc_payment_in_db(*pair_, order), "none");
  EXPECT_EQ(tcc_globals_of_order(*pair_, order), std::vector<std::string>{"pay:CANCELLED"});
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
  // Paid later, with money enough.
  auto richer = create_order(c, account, 400);
  EXPECT_EQ(pay(c, richer).status, 200);
}

TEST_F(TccPayCancelTest, RepeatsWithTheSameKeyGetTheFirstAnswer) {
  auto c = client();
  const std::string prefix = unique_name("tckey");
  auto account = open_account(c, prefix, 3'000);
  auto order = create_order(c, account, 1'000);
  const std::string key = unique_name("k");
  auto first = pay(c, order, key);
  ASSERT_EQ(first.status, 200) << first.body;
  auto second = pay(c, order, key);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(balance(c, account), 2'000) << "charged once";
  auto other = create_order(c, account, 10);
  EXPECT_EQ(pay(c, other, key).status, 422) << "the same key on another request";
  EXPECT_EQ(order_status(c, other), "PENDING");
}

TEST_F(TccPayCancelTest, StatusIsSettledWhenNothingIsOpen) {
  auto c = client();
  auto status = c.get("/v1/status");
  ASSERT_EQ(status.status, 200);
  EXPECT_EQ(status.json()["architecture"], "tcc");
  EXPECT_EQ(status.json()["node_id"], node_);
  EXPECT_TRUE(eventually([&] { return c.get("/v1/status").json().value("settled", false); }));
}

// A cancel meets the order PAYING, both Tries committed and nothing decided (this
// coordinator stalls there): the cancel records Cancel in the pay's tcc_global row, runs
// the pay's Cancel on both databases and cancels the order. The pay, waking up, finds the
// decision taken and answers 409: "cancel first, then the pay refused".
TEST_F(TccPayCancelTest, ACancelThatMeetsAPayingOrderEndsThePay) {
  CoordinatorOptions options = tcc_options(*pair_, unique_node_id("tcst"));
  options.stall_at = "tcc_after_try_payments";
  options.stall_ms = 3000;
  auto stalled = CoordinatorProcess::start(options);
  ASSERT_TRUE(stalled->wait_ready()) << stalled->log_text();
  auto c = stalled->client();
  const std::string prefix = unique_name("tcend");
  auto account = open_account(c, prefix, 4'000);
  auto order = create_order(c, account, 1'500);

  const std::string key = unique_name("k");
  AsyncReply paying = pay_async(*stalled, order, key);
  ASSERT_TRUE(stalled->wait_for_log("\"stall_point\"")) << stalled->log_text();
  EXPECT_EQ(order_status_in_db(*pair_, order), "PAYING");
  EXPECT_EQ(frozen_in_db(*pair_, account), 1'500) << "both Tries committed";
  // In between, the checker sees what is not settled yet: a PAYING order, and money that
  // the CAPTURED payments alone do not account for.
  EXPECT_NE(invariant_violations(*pair_, prefix, options.node_id), "");
  auto other = client();
  auto cancelled = cancel(other, order);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(cancelled.json()["refunded"], false) << "the pay was ended before it charged";
  EXPECT_EQ(order_status_in_db(*pair_, order), "CANCELLED");
  EXPECT_EQ(frozen_in_db(*pair_, account), 0);

  auto reply = paying.get();
  EXPECT_EQ(reply.status, 409) << reply.body;
  EXPECT_NE(reply.body.find("cancelled while it was being paid"), std::string::npos) << reply.body;
  EXPECT_EQ(balance(c, account), 4'000);
  EXPECT_EQ(tcc_payment_in_db(*pair_, order), "none");
  EXPECT_EQ(tcc_globals_of_order(*pair_, order), std::vector<std::string>{"pay:CANCELLED"});
  EXPECT_EQ(pay(c, order, key).status, 409) << "a retry hears the order is CANCELLED";
  EXPECT_EQ(invariant_violations(*pair_, prefix, options.node_id), "");
}

// The same meeting after the pay decided Confirm (it stalls after its decision): the
// cancel finishes the pay's Confirm, then refunds: "pay first, then cancel with refund".
TEST_F(TccPayCancelTest, ACancelThatMeetsAConfirmedPayFinishesItAndRefunds) {
  CoordinatorOptions options = tcc_options(*pair_, unique_node_id("tcsc"));
  options.stall_at = "tcc_after_decision";
  options.stall_ms = 3000;
  auto stalled = CoordinatorProcess::start(options);
  ASSERT_TRUE(stalled->wait_ready()) << stalled->log_text();
  auto c = stalled->client();
  const std::string prefix = unique_name("tcfin");
  auto account = open_account(c, prefix, 4'000);
  auto order = create_order(c, account, 1'500);

  AsyncReply paying = pay_async(*stalled, order, "");
  ASSERT_TRUE(stalled->wait_for_log("\"stall_point\"")) << stalled->log_text();
  auto other = client();
  auto cancelled = cancel(other, order);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(cancelled.json()["refunded"], true);
  auto reply = paying.get();
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(order_status_in_db(*pair_, order), "CANCELLED");
  EXPECT_EQ(balance(c, account), 4'000);
  EXPECT_EQ(tcc_payment_in_db(*pair_, order).substr(0, 9), "REFUNDED ");
  EXPECT_EQ(invariant_violations(*pair_, prefix, options.node_id), "");
}

}  // namespace
}  // namespace xacoord::test
