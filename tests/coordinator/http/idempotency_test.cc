// Idempotency-Key on pay and cancel: the first answer again, byte for byte, for the same
// request (also after a crash and restart); a 422 for a different request; and keys
// forgotten after --idempotency-retention.
#include <signal.h>

#include <thread>

#include <gtest/gtest.h>

#include "tests/coordinator/http/http_fixture.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

using std::chrono::seconds;

class IdempotencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = DbPair::shared();
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  }
  std::unique_ptr<DbPair> pair_;
};

TEST_F(IdempotencyTest, SameKeyAndRequestReplaysTheFirstAnswerByteForByte) {
  auto coordinator = start_coordinator(*pair_);
  auto c = coordinator->client();
  auto account = open_account(c, "idem", 5'000);
  auto order = create_order(c, account, 1'250);
  const std::string key = unique_name("pay-key");

  auto first = pay(c, order, key);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.headers.count("idempotent-replayed"), 0u);
  for (int i = 0; i < 3; ++i) {
    auto again = pay(c, order, key);
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(again.body, first.body) << "byte for byte";
    EXPECT_EQ(again.headers["idempotent-replayed"], "true");
    EXPECT_EQ(again.headers["content-type"], "application/json");
  }
  EXPECT_EQ(balance(c, account), 5'000 - 1'250) << "charged once";
  // Without the key the same request is a new one: the order is already paid.
  EXPECT_TRUE(is_problem(pay(c, order), 409, "order-not-payable"));

  // Cancel keeps its own keys: refunded once, the same answer after.
  const std::string cancel_key = unique_name("cancel-key");
  auto refund = cancel(c, order, cancel_key);
  ASSERT_EQ(refund.status, 200) << refund.body;
  EXPECT_EQ(refund.json()["refunded"], true);
  auto refund_again = cancel(c, order, cancel_key);
  EXPECT_EQ(refund_again.body, refund.body);
  EXPECT_EQ(balance(c, account), 5'000);
}

TEST_F(IdempotencyTest, SameKeyOnADifferentRequestIs422AndChangesNothing) {
  auto coordinator = start_coordinator(*pair_);
  auto c = coordinator->client();
  auto account = open_account(c, "reuse", 5'000);
  auto first_order = create_order(c, account, 100);
  auto second_order = create_order(c, account, 200);
  const std::string key = unique_name("reused");
  ASSERT_EQ(pay(c, first_order, key).status, 200);

  EXPECT_TRUE(is_problem(pay(c, second_order, key), 422, "idempotency-key-reused"));
  EXPECT_TRUE(is_problem(cancel(c, first_order, key), 422, "idempotency-key-reused"));
  auto with_body = c.request("POST", "/v1/orders/" + std::to_string(first_order) + "/pay",
                             "{\"note\":1}", {{"Idempotency-Key", key}});
  EXPECT_TRUE(is_problem(with_body, 422, "idempotency-key-reused"));
  EXPECT_EQ(order_status(c, second_order), "PENDING");
  EXPECT_EQ(order_status(c, first_order), "PAID");
  EXPECT_EQ(balance(c, account), 4'900);
}

TEST_F(IdempotencyTest, RefusalsAreNotStoredSoARetryRunsAgain) {
  auto coordinator = start_coordinator(*pair_);
  auto c = coordinator->client();
  auto account = open_account(c, "refusal", 100);
  auto order = create_order(c, account, 101);
  const std::string key = unique_name("poor");
  auto first = pay(c, order, key);
  ASSERT_TRUE(is_problem(first, 422, "insufficient-funds"));
  auto second = pay(c, order, key);
  ASSERT_TRUE(is_problem(second, 422, "insufficient-funds"));
  // A refusal has no outcome to remember: the retry ran as a transaction of its own.
  EXPECT_NE(second.json()["txn_id"], first.json()["txn_id"]);
  EXPECT_EQ(second.headers.count("idempotent-replayed"), 0u);
}

TEST_F(IdempotencyTest, ConcurrentRequestsWithOneKeyGetOneOutcome) {
  auto coordinator = start_coordinator(*pair_);
  auto c = coordinator->client();
  auto account = open_account(c, "herd", 10'000);
  auto order = create_order(c, account, 3'000);
  const std::string key = unique_name("herd");
  std::vector<HttpReply> replies(6);
  std::vector<std::thread> threads;
  for (auto& reply : replies) {
    threads.emplace_back([&reply, &coordinator, order, key] {
      auto own = coordinator->client();
      reply = pay(own, order, key);
    });
  }
  for (auto& t : threads)
    t.join();
  for (const auto& reply : replies) {
    EXPECT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.body, replies[0].body);
  }
  EXPECT_EQ(balance(c, account), 7'000) << "charged exactly once";
}

TEST_F(IdempotencyTest, TheAnswerSurvivesACrashAndRestart) {
  auto options = CoordinatorOptions::for_pair(*pair_);
  options.node_id = unique_node_id();
  options.log_dir = scratch_dir("idem-restart") + "/log";
  auto first_run = start_coordinator(options);
  auto c = first_run->client();
  auto account = open_account(c, "restart", 2'000);
  auto order = create_order(c, account, 800);
  const std::string key = unique_name("restart");
  auto answer = pay(c, order, key);
  ASSERT_EQ(answer.status, 200) << answer.body;

  first_run->signal(SIGKILL);
  auto exit = first_run->wait_exit(seconds(10));
  ASSERT_TRUE(exit && exit->signaled);

  options.port = 0;  // a new port: the old one may linger in TIME_WAIT
  auto second_run = start_coordinator(options);
  auto c2 = second_run->client();
  auto replay = pay(c2, order, key);
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.body, answer.body) << "byte for byte, across the restart";
  EXPECT_EQ(replay.headers["idempotent-replayed"], "true");
  EXPECT_EQ(balance(c2, account), 1'200);
}

TEST_F(IdempotencyTest, KeysAreForgottenAfterTheRetention) {
  auto coordinator = start_coordinator(*pair_, {"--idempotency-retention", "1s"});
  auto c = coordinator->client();
  auto account = open_account(c, "retain", 1'000);
  auto first_order = create_order(c, account, 100);
  auto second_order = create_order(c, account, 100);
  const std::string key = unique_name("short");
  ASSERT_EQ(pay(c, first_order, key).status, 200);
  EXPECT_TRUE(is_problem(pay(c, second_order, key), 422, "idempotency-key-reused"));
  std::this_thread::sleep_for(std::chrono::milliseconds(2'100));
  // Past the retention the key is free again: this is a new request.
  auto fresh = pay(c, second_order, key);
  EXPECT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(fresh.headers.count("idempotent-replayed"), 0u);
  EXPECT_EQ(order_status(c, second_order), "PAID");
}

}  // namespace
}  // namespace xacoord::test
