// The outbox architecture on the real servers: a pay accepted with 202 ends PAID through
// the messages, a cancel answers at once, a paid order's refund follows, a charge refused
// for funds returns the order to PENDING, a cancel that meets a PAYING order gets the late
// charge given back, and the 200-pair race ends as one serial order per pair, with the
// invariants holding once settled.
#include <atomic>
#include <cstdio>
#include <thread>

#include <gtest/gtest.h>

#include "tests/coordinator/architectures/outbox/outbox_fixture.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

// What a shell command printed on stdout.
std::string shell_output(const std::string& command) {
  std::string out;
  if (FILE* f = ::popen(command.c_str(), "r")) {
    char buf[256];
    while (std::fgets(buf, sizeof buf, f))
      out += buf;
    ::pclose(f);
  }
  return out;
}

class OutboxPayCancelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pair_ = DbPair::shared();
    if (!pair_) return;
    broker_ = start_test_broker("outbox-pay-broker");
    coordinator_ =
        start_outbox(*pair_, *broker_, node_, streams_, {"--outbox-tidy-interval", "300ms"});
  }
  static void TearDownTestSuite() {
    coordinator_.reset();
    broker_.reset();
    pair_.reset();
  }
  void SetUp() override {
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  }
  static HttpClient client() { return coordinator_->client(); }
  static bool eventually_state(std::int64_t order, const std::string& want) {
    return eventually([&] { return final_state(*pair_, order) == want; });
  }

  static std::unique_ptr<DbPair> pair_;
  static std::unique_ptr<harness::LocalBroker> broker_;
  static std::unique_ptr<CoordinatorProcess> coordinator_;
  static inline const std::string node_ = unique_node_id("obpay");
  static inline const std::string streams_ = unique_name("obpay");
};
std::unique_ptr<DbPair> OutboxPayCancelTest::pair_;
std::unique_ptr<harness::LocalBroker> OutboxPayCancelTest::broker_;
std::unique_ptr<CoordinatorProcess> OutboxPayCancelTest::coordinator_;

TEST_F(OutboxPayCancelTest, PayIsAcceptedThenPaidThroughTheMessages) {
  auto c = client();
  const std::string prefix = unique_name("obp");
  auto account = open_account(c, prefix, 10'000);
  auto order = create_order(c, account, 1'299);
  auto reply = pay(c, order, unique_name("k"));
  ASSERT_EQ(reply.status, 202) << reply.body;
  auto body = reply.json();
  EXPECT_EQ(body.value("status", ""), "PAYING");
  EXPECT_EQ(body.value("order_id", 0), order);
  const std::string txn = body.value("txn_id", "");
  ASSERT_FALSE(txn.empty());

  ASSERT_TRUE(eventually_state(order, "PAID CAPTURED")) << final_state(*pair_, order);
  EXPECT_EQ(order_status(c, order), "PAID");
  EXPECT_EQ(balance_in_db(*pair_, account), 10'000 - 1'299);
  // Each message applied exactly once, on the side it was sent to.
  EXPECT_EQ(inbox_count(*pair_, "payments", txn + ":charge"), 1);
  EXPECT_EQ(inbox_count(*pair_, "orders", txn + ":charged"), 1);
  ASSERT_TRUE(wait_settled(*coordinator_));
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
}

TEST_F(OutboxPayCancelTest, RepeatedPayWithTheSameKeyGetsTheFirstAnswer) {
  auto c = client();
  auto account = open_account(c, unique_name("obk"), 10'000);
  auto order = create_order(c, account, 500);
  const std::string key = unique_name("k");
  auto first = pay(c, order, key);
  ASSERT_EQ(first.status, 202) << first.body;
  auto again = pay(c, order, key);
  EXPECT_EQ(again.status, 202);
  EXPECT_EQ(again.body, first.body);
  // Another key while it is PAYING or PAID: not payable.
  auto other = pay(c, order, unique_name("k"));
  EXPECT_EQ(other.status, 409) << other.body;
  ASSERT_TRUE(eventually_state(order, "PAID CAPTURED"));
}

TEST_F(OutboxPayCancelTest, CancelOfAPendingOrderOwesNothing) {
  auto c = client();
  const std::string prefix = unique_name("obcp");
  auto account = open_account(c, prefix, 10'000);
  auto order = create_order(c, account, 700);
  const std::string key = unique_name("k");
  auto reply = cancel(c, order, key);
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto body = reply.json();
  EXPECT_EQ(body.value("status", ""), "CANCELLED");
  EXPECT_FALSE(body.value("refunded", true));
  EXPECT_FALSE(body.value("refund_pending", true));
  EXPECT_EQ(final_state(*pair_, order), "CANCELLED none");
  EXPECT_EQ(cancel(c, order, key).body, reply.body);
  auto again = cancel(c, order);  // a new cancel answers what was recorded
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.json().value("txn_id", ""), body.value("txn_id", ""));
  EXPECT_EQ(pay(c, order).status, 409);
  ASSERT_TRUE(wait_settled(*coordinator_));
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
}

TEST_F(OutboxPayCancelTest, CancelOfAPaidOrderIsRefundedByAMessage) {
  auto c = client();
  const std::string prefix = unique_name("obcr");
  auto account = open_account(c, prefix, 10'000);
  auto order = create_order(c, account, 2'500);
  ASSERT_EQ(pay(c, order).status, 202);
  ASSERT_TRUE(eventually_state(order, "PAID CAPTURED"));
  auto reply = cancel(c, order);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(reply.json().value("refund_pending", false));
  EXPECT_FALSE(reply.json().value("refunded", true));
  const std::string cancel_txn = reply.json().value("txn_id", "");
  ASSERT_TRUE(eventually_state(order, "CANCELLED REFUNDED")) << final_state(*pair_, order);
  EXPECT_EQ(balance_in_db(*pair_, account), 10'000);
  EXPECT_EQ(inbox_count(*pair_, "payments", cancel_txn + ":refund"), 1);
  ASSERT_TRUE(wait_settled(*coordinator_));
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
}

TEST_F(OutboxPayCancelTest, RefusedChargeReturnsTheOrderToPending) {
  auto c = client();
  const std::string prefix = unique_name("obnf");
  auto account = open_account(c, prefix, 100);
  auto order = create_order(c, account, 2'500);
  auto reply = pay(c, order);
  ASSERT_EQ(reply.status, 202) << reply.body;
  const std::string txn = reply.json().value("txn_id", "");
  ASSERT_TRUE(eventually_state(order, "PENDING none")) << final_state(*pair_, order);
  EXPECT_EQ(inbox_count(*pair_, "orders", txn + ":charge_refused"), 1);
  EXPECT_EQ(balance_in_db(*pair_, account), 100);
  ASSERT_TRUE(wait_settled(*coordinator_));
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
}

// The broker down between the pay's commit and its charge: the pay is still accepted
// (nothing waits for the broker), the cancel meets a PAYING order, and once the broker is
// back the charge lands on a cancelled order and is given back.
TEST_F(OutboxPayCancelTest, ChargeThatArrivesAfterTheCancelIsRefunded) {
  auto c = client();
  const std::string prefix = unique_name("obpc");
  auto account = open_account(c, prefix, 10'000);
  auto order = create_order(c, account, 900);
  broker_->kill();
  auto reply = pay(c, order);
  ASSERT_EQ(reply.status, 202) << reply.body;
  EXPECT_EQ(order_status(c, order), "PAYING");
  auto cancelled = cancel(c, order);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_TRUE(cancelled.json().value("refund_pending", false));
  EXPECT_FALSE(coordinator_->client().get("/v1/status").json().value("settled", true));
  broker_->restart();
  ASSERT_TRUE(eventually_state(order, "CANCELLED REFUNDED")) << final_state(*pair_, order);
  EXPECT_EQ(balance_in_db(*pair_, account), 10'000);
  ASSERT_TRUE(wait_settled(*coordinator_));
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
}

// Housekeeping: once every group acknowledged them, the streams' entries are trimmed, so
// Redis does not grow with every message ever sent.
TEST_F(OutboxPayCancelTest, AcknowledgedEntriesAreTrimmed) {
  auto c = client();
  auto account = open_account(c, unique_name("obtr"), 10'000);
  auto order = create_order(c, account, 300);
  ASSERT_EQ(pay(c, order).status, 202);
  ASSERT_TRUE(eventually_state(order, "PAID CAPTURED"));
  ASSERT_TRUE(wait_settled(*coordinator_));
  auto redis = [](const std::string& args) {
    return shell_output("redis-cli -p " + std::to_string(broker_->port()) + " " + args);
  };
  EXPECT_TRUE(eventually([&] {
    return redis("XLEN " + streams_ + ":to-payments") == "0\n" &&
           redis("XLEN " + streams_ + ":to-orders") == "0\n";
  })) << redis("XLEN " + streams_ + ":to-payments");
  EXPECT_FALSE(has_event(coordinator_->log_text(), "outbox_housekeeping_failed", ""));
}

TEST_F(OutboxPayCancelTest, TwoHundredPayCancelPairsEndAsOneSerialOrder) {
  constexpr int kPairs = 200;
  constexpr std::int64_t kPrice = 250;
  auto c = client();
  const std::string prefix = unique_name("obrace");
  std::vector<std::string> accounts;
  for (int i = 0; i < 4; ++i)
    accounts.push_back(open_account(c, prefix, kPairs * kPrice));
  std::vector<std::int64_t> orders;
  for (int i = 0; i < kPairs; ++i)
    orders.push_back(create_order(c, accounts[i % 4], kPrice));
  std::vector<int> pay_status(kPairs), cancel_status(kPairs);
  // One element per thread, and not std::vector<bool>: its elements are bits sharing words,
  // so two threads setting neighbours race and one write can be lost.
  std::vector<char> refund_pending(kPairs, 0);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kPairs; ++i) {
    for (bool is_pay : {true, false}) {
      threads.emplace_back([&, i, is_pay] {
        auto client = coordinator_->client(std::chrono::seconds(60));
        while (!go.load())
          std::this_thread::yield();
        try {
          auto reply = is_pay ? pay(client, orders[i]) : cancel(client, orders[i]);
          (is_pay ? pay_status : cancel_status)[i] = reply.status;
          if (!is_pay && reply.status == 200)
            refund_pending[i] = reply.json().value("refund_pending", false);
        } catch (const std::exception&) {
          (is_pay ? pay_status : cancel_status)[i] = -1;
        }
      });
    }
  }
  go = true;
  for (auto& t : threads)
    t.join();
  ASSERT_TRUE(wait_settled(*coordinator_, std::chrono::seconds(60)));
  int pay_first = 0, cancel_first = 0;
  for (int i = 0; i < kPairs; ++i) {
    ASSERT_EQ(cancel_status[i], 200) << "order " << orders[i];
    const std::string state = final_state(*pair_, orders[i]);
    if (pay_status[i] == 202) {
      // The pay committed first: its charge was given back after the cancel.
      EXPECT_TRUE(refund_pending[i]) << "order " << orders[i];
      EXPECT_EQ(state, "CANCELLED REFUNDED") << "order " << orders[i];
      ++pay_first;
    } else {
      EXPECT_EQ(pay_status[i], 409) << "order " << orders[i];
      EXPECT_FALSE(refund_pending[i]);
      EXPECT_EQ(state, "CANCELLED none") << "order " << orders[i];
      ++cancel_first;
    }
  }
  std::cout << "pays first: " << pay_first << ", cancels first: " << cancel_first << "\n";
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
  for (const auto& a : accounts)
    EXPECT_EQ(balance_in_db(*pair_, a), kPairs * kPrice);
}

}  // namespace
}  // namespace xacoord::test
