// The saga architecture through the real coordinator process on the real MariaDB pair:
// pay, cancel of a pending and of a paid order, short funds, repeats with an
// Idempotency-Key, /v1/status — and the compensation, provoked on purpose: the order is
// cancelled (by a second coordinator) while the pay is stalled between its two steps.
#include <gtest/gtest.h>

#include "tests/coordinator/architectures/saga/saga_fixture.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

class SagaPayCancelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pair_ = DbPair::shared();
    if (!pair_) return;
    node_ = unique_node_id("sg");
    coordinator_ = start_saga(*pair_, node_);
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
std::unique_ptr<DbPair> SagaPayCancelTest::pair_;
std::unique_ptr<CoordinatorProcess> SagaPayCancelTest::coordinator_;
std::string SagaPayCancelTest::node_;

TEST_F(SagaPayCancelTest, PayChargesThenMarksPaidAndClosesItsLog) {
  auto c = client();
  const std::string prefix = unique_name("sgpay");
  auto account = open_account(c, prefix, 10'000);
  auto order = create_order(c, account, 1'299);
  auto reply = pay(c, order);
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto body = reply.json();
  EXPECT_EQ(body["status"], "PAID");
  EXPECT_EQ(body["order_id"], order);
  const std::string saga_id = body["txn_id"];
  EXPECT_EQ(order_status(c, order), "PAID");
  EXPECT_EQ(balance(c, account), 10'000 - 1'299);
  EXPECT_EQ(payment_in_db(*pair_, order), "CAPTURED " + saga_id + " -");
  // The log row was written with the charge, and closed once step 2 was seen committed.
  EXPECT_TRUE(eventually([&] { return saga_log_state(*pair_, "payments", saga_id) == "PAID"; }));
  EXPECT_TRUE(saga_log_of_order(*pair_, "orders", order).empty());
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
  EXPECT_EQ(pay(c, order).status, 409) << "a paid order is not payable";
  EXPECT_EQ(balance(c, account), 10'000 - 1'299);
}

TEST_F(SagaPayCancelTest, CancelOfAPendingOrderIsOneLocalCommit) {
  auto c = client();
  const std::string prefix = unique_name("sgcxl");
  auto account = open_account(c, prefix, 5'000);
  auto order = create_order(c, account, 700);
  auto reply = cancel(c, order);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json()["refunded"], false);
  EXPECT_EQ(order_status(c, order), "CANCELLED");
  EXPECT_EQ(payment_in_db(*pair_, order), "none");
  EXPECT_TRUE(saga_log_of_order(*pair_, "orders", order).empty()) << "no saga: nothing to refund";
  auto late = pay(c, order);
  EXPECT_EQ(late.status, 409);
  EXPECT_NE(late.json()["detail"].get<std::string>().find("CANCELLED"), std::string::npos);
  EXPECT_EQ(balance(c, account), 5'000);
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
}

TEST_F(SagaPayCancelTest, CancelOfAPaidOrderIsRefundedByItsOwnSaga) {
  auto c = client();
  const std::string prefix = unique_name("sgref");
  auto account = open_account(c, prefix, 3'000);
  auto order = create_order(c, account, 1'000);
  auto paid = pay(c, order);
  ASSERT_EQ(paid.status, 200) << paid.body;
  auto reply = cancel(c, order, unique_name("cxl"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json()["refunded"], true);
  const std::string cancel_saga = reply.json()["txn_id"];
  EXPECT_EQ(order_status(c, order), "CANCELLED");
  EXPECT_EQ(payment_in_db(*pair_, order),
            "REFUNDED " + paid.json()["txn_id"].get<std::string>() + " " + cancel_saga);
  EXPECT_EQ(balance(c, account), 3'000);
  EXPECT_TRUE(
      eventually([&] { return saga_log_state(*pair_, "orders", cancel_saga) == "REFUNDED"; }));
  // Cancelling again answers what was recorded.
  auto again = cancel(c, order);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.json()["txn_id"], cancel_saga);
  EXPECT_EQ(again.json()["refunded"], true);
  EXPECT_EQ(balance(c, account), 3'000);
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
}

TEST_F(SagaPayCancelTest, InsufficientFundsRefusesStepOneAndLeavesNothing) {
  auto c = client();
  const std::string prefix = unique_name("sgpoor");
  auto account = open_account(c, prefix, 500);
  auto order = create_order(c, account, 501);
  auto reply = pay(c, order, unique_name("poor"));
  EXPECT_EQ(reply.status, 422) << reply.body;
  EXPECT_EQ(reply.json()["type"], "/problems/insufficient-funds");
  EXPECT_EQ(order_status(c, order), "PENDING");
  EXPECT_EQ(balance(c, account), 500);
  EXPECT_EQ(payment_in_db(*pair_, order), "none");
  EXPECT_TRUE(saga_log_of_order(*pair_, "payments", order).empty())
      << "the log row is rolled back with the refused charge: nothing to compensate";
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
}

TEST_F(SagaPayCancelTest, RepeatsWithTheSameKeyGetTheFirstAnswer) {
  auto c = client();
  const std::string prefix = unique_name("sgkey");
  auto account = open_account(c, prefix, 3'000);
  auto order = create_order(c, account, 1'000);
  const std::string key = unique_name("k");
  auto first = pay(c, order, key);
  ASSERT_EQ(first.status, 200) << first.body;
  auto second = pay(c, order, key);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(second.headers["idempotent-replayed"], "true");
  EXPECT_EQ(balance(c, account), 2'000) << "charged once";
  // The same key on another request is refused.
  auto other = create_order(c, account, 10);
  EXPECT_EQ(pay(c, other, key).status, 422);
  EXPECT_EQ(order_status(c, other), "PENDING");
}

TEST_F(SagaPayCancelTest, StatusIsSettledWhenNothingIsOpen) {
  auto c = client();
  auto status = c.get("/v1/status");
  ASSERT_EQ(status.status, 200);
  EXPECT_EQ(status.json()["architecture"], "saga");
  EXPECT_EQ(status.json()["node_id"], node_);
  EXPECT_TRUE(eventually([&] { return c.get("/v1/status").json().value("settled", false); }));
}

// The rule the saga exists for, provoked on purpose: the pay's step 1 charged, then the
// order was cancelled (by another coordinator, while this one stalls between the steps), so
// step 2 is refused and the compensation refunds: 409, CANCELLED, REFUNDED, money back.
TEST_F(SagaPayCancelTest, AChargeWhoseOrderWasCancelledMeanwhileIsCompensated) {
  CoordinatorOptions options = saga_options(*pair_, unique_node_id("sgst"));
  options.stall_at = "saga_after_step1";
  options.stall_ms = 3000;
  auto stalled = CoordinatorProcess::start(options);
  ASSERT_TRUE(stalled->wait_ready()) << stalled->log_text();
  auto c = stalled->client();
  const std::string prefix = unique_name("sgcomp");
  auto account = open_account(c, prefix, 4'000);
  auto order = create_order(c, account, 1'500);
  const double before = metric(c, "xacoord_saga_compensations_total");

  const std::string key = unique_name("k");
  AsyncReply paying = pay_async(*stalled, order, key);
  ASSERT_TRUE(stalled->wait_for_log("\"stall_point\"")) << stalled->log_text();
  EXPECT_EQ(balance_in_db(*pair_, account), 2'500) << "step 1 committed: charged";
  auto other = client();
  auto cancelled = cancel(other, order);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(cancelled.json()["refunded"], false) << "the order was PENDING when it was cancelled";

  auto reply = paying.get();
  EXPECT_EQ(reply.status, 409) << reply.body;
  EXPECT_NE(reply.body.find("refunded"), std::string::npos) << reply.body;
  EXPECT_EQ(order_status(c, order), "CANCELLED");
  EXPECT_EQ(balance(c, account), 4'000);
  auto payment = payment_in_db(*pair_, order);
  EXPECT_EQ(payment.substr(0, 9), "REFUNDED ") << payment;
  EXPECT_EQ(saga_log_of_order(*pair_, "payments", order),
            std::vector<std::string>{"pay:COMPENSATED"});
  EXPECT_EQ(metric(c, "xacoord_saga_compensations_total"), before + 1);
  EXPECT_EQ(pay(c, order, key).status, 409) << "a retry hears the outcome";
  EXPECT_EQ(balance(c, account), 4'000);
  EXPECT_EQ(invariant_violations(*pair_, prefix, options.node_id), "");
}

}  // namespace
}  // namespace xacoord::test
