// The sagas recovery could not finish before ready, and the ones nobody drives: both are
// finished in the background (docs/architectures/saga.md, "Recovery"), and /v1/status is
// not settled until they are.
#include <gtest/gtest.h>

#include <csignal>

#include "tests/coordinator/architectures/saga/saga_fixture.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

bool settled(HttpClient& c) {
  return c.get("/v1/status").json().value("settled", false);
}

class SagaBackgroundTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = DbPair::shared();
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  }
  std::unique_ptr<DbPair> pair_;
  std::string node_ = unique_node_id("sgbg");
};

// Killed between the steps; at restart step 2 waits for an order row a test session holds,
// past the lock wait: recovery leaves the saga to the background and gets ready. Once the
// row is free the saga is finished, and the client's retry hears it.
TEST_F(SagaBackgroundTest, ASagaRecoveryCannotFinishIsFinishedInTheBackground) {
  const std::string log_dir = scratch_dir("sagabg") + "/log";
  CoordinatorOptions options = saga_options(*pair_, node_);
  options.log_dir = log_dir;
  options.crash_at = "saga_after_step1";
  auto first = CoordinatorProcess::start(options);
  ASSERT_TRUE(first->wait_ready()) << first->log_text();
  auto c = first->client();
  const std::string prefix = unique_name("sgbg");
  auto account = open_account(c, prefix, 5'000);
  auto order = create_order(c, account, 1'000);
  const std::string key = unique_name("key");
  EXPECT_THROW(pay(c, order, key), std::exception);
  ASSERT_TRUE(first->wait_exit(std::chrono::seconds(30)).has_value());

  auto lock = std::make_unique<RowLock>(
      *pair_, "orders",
      "SELECT status FROM orders WHERE order_id = " + std::to_string(order) + " FOR UPDATE");
  CoordinatorOptions again = saga_options(*pair_, node_);
  again.log_dir = log_dir;
  again.extra_args.push_back("--lock-wait-seconds");
  again.extra_args.push_back("1");
  auto second = CoordinatorProcess::start(again);
  ASSERT_TRUE(second->wait_ready()) << second->log_text();
  EXPECT_TRUE(has_event(second->log_text(), "saga_recovery_finished", "\"left_to_background\":1"))
      << second->log_text();
  auto after = second->client();
  EXPECT_FALSE(settled(after)) << "a saga is still open";
  EXPECT_EQ(order_status_in_db(*pair_, order), "PENDING");
  EXPECT_EQ(balance_in_db(*pair_, account), 4'000) << "charged, not yet marked paid";

  lock->release();
  EXPECT_TRUE(eventually([&] { return settled(after); }));
  EXPECT_EQ(order_status_in_db(*pair_, order), "PAID");
  auto retry = pay(after, order, key);
  EXPECT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.headers["idempotent-replayed"], "true") << "the background stored the answer";
  EXPECT_EQ(balance(after, account), 4'000);
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
}

// A charge that committed behind the coordinator's back (what a killed coordinator's
// session can still do in the server): its open log row is found by the periodic scan and
// the saga finished — here PAID, the order being PENDING.
TEST_F(SagaBackgroundTest, AnOpenLogRowNobodyDrivesIsAdoptedByTheScan) {
  auto coordinator = start_saga(*pair_, node_);
  auto c = coordinator->client();
  const std::string prefix = unique_name("sgorph");
  auto account = open_account(c, prefix, 5'000);
  auto order = create_order(c, account, 700);
  const std::string saga_id = node_ + "-999-1";
  auto payments = pair_->connect("payments");
  payments->batch({"START TRANSACTION",
                   "INSERT INTO saga_log (saga_id, node_id, kind, order_id, account_id, "
                   "amount_cents, state) VALUES ('" +
                       saga_id + "', '" + node_ + "', 'pay', " + std::to_string(order) + ", '" +
                       account + "', 700, 'CHARGED')",
                   "UPDATE accounts SET balance_cents = balance_cents - 700 WHERE account_id = '" +
                       account + "'",
                   "INSERT INTO payments (payment_id, order_id, account_id, amount_cents, status, "
                   "txn_id) VALUES (" +
                       std::to_string(order) + ", " + std::to_string(order) + ", '" + account +
                       "', 700, 'CAPTURED', '" + saga_id + "')",
                   "COMMIT"});
  EXPECT_TRUE(eventually([&] { return order_status_in_db(*pair_, order) == "PAID"; }))
      << coordinator->log_text();
  EXPECT_TRUE(has_event(coordinator->log_text(), "saga_orphans_found", "\"sagas\":1"));
  EXPECT_TRUE(eventually([&] { return saga_log_state(*pair_, "payments", saga_id) == "PAID"; }));
  EXPECT_TRUE(eventually([&] { return settled(c); }));
  EXPECT_EQ(balance(c, account), 4'300);
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
}

}  // namespace
}  // namespace xacoord::test
