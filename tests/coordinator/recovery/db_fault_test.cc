// Database and session faults in the middle of the protocol, survived without restarting
// the coordinator: kill -9 of either MariaDB server during prepare and during commit,
// KILL CONNECTION of the coordinator's branch session during prepare and during commit,
// and an outage that must give quick 503s and then heal by itself.
//
// Each test has a private MariaDB pair (it kills servers). Two tools make the timing
// deterministic: a row lock held by a test session keeps the payments branch waiting at
// its first statement (so the orders branch is provably prepared and payments provably
// not), and a stall point freezes the coordinator right after a protocol step while the
// test kills a server or a session.
#include <gtest/gtest.h>

#include "tests/coordinator/recovery/recovery_fixture.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

class DbFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = DbPair::start_private();
    prefix_ = unique_name("fault");
  }

  std::unique_ptr<CoordinatorProcess> start(const std::string& stall_at = "",
                                            std::vector<std::string> extra = {}) {
    CoordinatorOptions options = CoordinatorOptions::for_pair(*pair_);
    options.node_id = node_;
    options.stall_at = stall_at;
    options.stall_ms = 2000;
    return start_ready(std::move(options), std::move(extra));
  }

  // An account and a PENDING order of `amount` on it.
  std::pair<std::string, std::int64_t> order(CoordinatorProcess& coordinator,
                                             std::int64_t amount = 1'000) {
    auto client = coordinator.client();
    auto account = open_account(client, prefix_, funds_);
    return {account, create_order(client, account, amount)};
  }

  std::unique_ptr<RowLock> lock_account(const std::string& account) {
    return std::make_unique<RowLock>(
        *pair_, "payments",
        "SELECT balance_cents FROM accounts WHERE account_id = '" + account + "' FOR UPDATE");
  }

  bool none_prepared() {
    return prepared_of_node(*pair_, "orders", node_).empty() &&
           prepared_of_node(*pair_, "payments", node_).empty();
  }

  // Waits until recovery has left nothing of this node prepared and the order has `status`.
  void expect_settled(CoordinatorProcess& coordinator, std::int64_t order_id,
                      const std::string& status) {
    auto client = coordinator.client();
    EXPECT_TRUE(eventually([&] { return none_prepared(); })) << coordinator.log_text();
    EXPECT_TRUE(eventually([&] { return order_status_in_db(*pair_, order_id) == status; }))
        << "order " << order_id << " is " << order_status_in_db(*pair_, order_id);
    EXPECT_TRUE(eventually([&] { return client.get("/healthz").status == 200; }));
    EXPECT_EQ(invariant_violations(*pair_, prefix_, node_), "");
  }

  std::unique_ptr<DbPair> pair_;
  std::string prefix_;
  std::string node_ = unique_node_id("df");
  const std::int64_t funds_ = 10'000;
};

// Payments dies while its branch waits at its debit and orders is already prepared: the
// pay is answered 503 and rolled back; the payments branch, whose fate the lost session
// hid, is settled by recovery once the server is back.
TEST_F(DbFaultTest, PaymentsServerKilledDuringPrepare) {
  auto coordinator = start("after_prepare_first");
  auto [account, order_id] = order(*coordinator);
  auto lock = lock_account(account);
  auto reply = pay_async(*coordinator, order_id, "k-" + prefix_);
  ASSERT_TRUE(coordinator->wait_for_log("\"stall_point\"")) << coordinator->log_text();
  EXPECT_EQ(prepared_of_node(*pair_, "orders", node_).size(), 1u);
  // The payments branch runs beside the orders branch: its debit reaches the row lock a
  // moment after orders prepared (later still in a sanitizer build), so wait for it.
  EXPECT_TRUE(eventually([&] {
    return sessions_waiting_for_locks(*pair_->connect("payments")).size() == 1u;
  })) << "the payments branch never waited at its debit";
  pair_->kill("payments");

  auto answer = reply.get();
  EXPECT_EQ(answer.status, 503) << answer.body;
  auto client = coordinator->client();
  EXPECT_EQ(order_status_in_db(*pair_, order_id), "PENDING");
  EXPECT_TRUE(prepared_of_node(*pair_, "orders", node_).empty());

  pair_->start("payments");
  expect_settled(*coordinator, order_id, "PENDING");
  EXPECT_EQ(balance(client, account), funds_);
  // Nothing of the first attempt stayed, the key included: the retry pays.
  EXPECT_EQ(pay(client, order_id, "k-" + prefix_).status, 200);
  EXPECT_EQ(invariant_violations(*pair_, prefix_, node_), "");
}

// Orders dies right after its branch prepared; payments then prepares too, the commit is
// decided and the orders branch is in doubt while its server is down: listed by
// `txn list --in-doubt`, counted as stuck, and not to be rolled back by force. When the
// server is back, the branch it kept prepared through kill -9 is committed.
TEST_F(DbFaultTest, OrdersServerKilledDuringPrepare) {
  const std::string token = "t0k3n-" + prefix_;
  auto coordinator = start("after_prepare_first", {"--admin-token", token});
  auto [account, order_id] = order(*coordinator);
  auto lock = lock_account(account);
  auto reply = pay_async(*coordinator, order_id, "");
  ASSERT_TRUE(coordinator->wait_for_log("\"stall_point\"")) << coordinator->log_text();
  ASSERT_EQ(prepared_of_node(*pair_, "orders", node_).size(), 1u);
  pair_->kill("orders");
  lock->release();

  auto answer = reply.get();
  ASSERT_EQ(answer.status, 200) << answer.body;  // decided: the rest is recovery's job
  const std::string txn_id = answer.json().value("txn_id", "");
  auto client = coordinator->client();
  const std::string server = "127.0.0.1:" + std::to_string(coordinator->port());

  auto in_doubt = run_xacoord({"txn", "list", "--in-doubt", "--server", server});
  EXPECT_EQ(in_doubt.exit_code, 0) << in_doubt.output;
  EXPECT_NE(in_doubt.output.find(txn_id), std::string::npos) << in_doubt.output;
  EXPECT_NE(in_doubt.output.find("COMMITTING"), std::string::npos) << in_doubt.output;
  EXPECT_TRUE(eventually([&] { return client.get("/healthz").status == 503; }));
  EXPECT_TRUE(eventually([&] { return gauge(client, "xacoord_stuck_branches") >= 1; }));

  auto refused = run_xacoord(
      {"txn", "rollback", txn_id, "--force", "--admin-token", token, "--server", server});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("commit decision"), std::string::npos) << refused.output;

  pair_->start("orders");
  expect_settled(*coordinator, order_id, "PAID");
  EXPECT_EQ(balance(client, account), funds_ - 1'000);
  EXPECT_EQ(gauge(client, "xacoord_stuck_branches"), 0);
  auto after = run_xacoord({"txn", "list", "--in-doubt", "--server", server});
  EXPECT_EQ(after.output.find(txn_id), std::string::npos) << after.output;
  auto shown = run_xacoord({"txn", "show", txn_id, "--server", server});
  EXPECT_NE(shown.output.find("COMMITTED"), std::string::npos) << shown.output;
}

// A server dies after the commit decision and before its XA COMMIT: the client hears 200,
// the branch waits prepared through the crash, and recovery commits it on the restarted
// server.
class ServerKilledDuringCommit : public DbFaultTest,
                                 public ::testing::WithParamInterface<const char*> {};

TEST_P(ServerKilledDuringCommit, RecoveryCommitsWhenTheServerIsBack) {
  const std::string victim = GetParam();
  auto coordinator = start("after_decision_logged");
  auto [account, order_id] = order(*coordinator);
  auto reply = pay_async(*coordinator, order_id, "k-" + prefix_);
  ASSERT_TRUE(coordinator->wait_for_log("\"stall_point\"")) << coordinator->log_text();
  ASSERT_EQ(prepared_of_node(*pair_, victim, node_).size(), 1u);
  pair_->kill(victim);

  auto answer = reply.get();
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_TRUE(coordinator->wait_for_log("\"phase_two_handed_to_recovery\""))
      << "the kill came after phase two: " << coordinator->log_text();
  pair_->start(victim);
  expect_settled(*coordinator, order_id, "PAID");
  auto client = coordinator->client();
  EXPECT_EQ(balance(client, account), funds_ - 1'000);
  EXPECT_EQ(pay(client, order_id, "k-" + prefix_).status, 200);  // the key's replay
}

INSTANTIATE_TEST_SUITE_P(Servers, ServerKilledDuringCommit,
                         ::testing::Values("orders", "payments"));

// KILL CONNECTION of the payments session while it waits at its debit: the branch fails,
// the prepared orders branch is rolled back, the pay is answered 503.
TEST_F(DbFaultTest, SessionKilledDuringPrepare) {
  auto coordinator = start("after_prepare_first");
  auto [account, order_id] = order(*coordinator);
  auto lock = lock_account(account);
  auto reply = pay_async(*coordinator, order_id, "k-" + prefix_);
  ASSERT_TRUE(coordinator->wait_for_log("\"stall_point\"")) << coordinator->log_text();
  auto admin = pair_->connect("payments");
  auto waiting = sessions_waiting_for_locks(*admin);
  ASSERT_EQ(waiting.size(), 1u);
  admin->execute("KILL CONNECTION " + std::to_string(waiting[0]));
  lock->release();

  auto answer = reply.get();
  EXPECT_EQ(answer.status, 503) << answer.body;
  expect_settled(*coordinator, order_id, "PENDING");
  auto client = coordinator->client();
  EXPECT_EQ(balance(client, account), funds_);
  EXPECT_EQ(pay(client, order_id, "k-" + prefix_).status, 200);
  EXPECT_EQ(invariant_violations(*pair_, prefix_, node_), "");
}

// KILL CONNECTION of the session holding the prepared orders branch after the decision:
// the branch outlives its session, and recovery commits it from a session of its own.
TEST_F(DbFaultTest, SessionKilledDuringCommit) {
  auto coordinator = start("after_decision_logged");
  auto [account, order_id] = order(*coordinator);
  auto reply = pay_async(*coordinator, order_id, "k-" + prefix_);
  ASSERT_TRUE(coordinator->wait_for_log("\"stall_point\"")) << coordinator->log_text();
  auto admin = pair_->connect("orders");
  auto holders = sessions_with_transactions(*admin);
  ASSERT_EQ(holders.size(), 1u);
  admin->execute("KILL CONNECTION " + std::to_string(holders[0]));

  auto answer = reply.get();
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_TRUE(coordinator->wait_for_log("\"recovery_finished_branch\"")) << coordinator->log_text();
  expect_settled(*coordinator, order_id, "PAID");
  auto client = coordinator->client();
  EXPECT_EQ(balance(client, account), funds_ - 1'000);
  EXPECT_EQ(pay(client, order_id, "k-" + prefix_).status, 200);
}

// A server down or hung: new requests are answered 503 at once (nothing changes, nothing
// hangs), /healthz says 503 and which one; when it is back, everything works again
// without a restart of the coordinator (its pooled sessions to the dead server included).
TEST_F(DbFaultTest, OutageAnswers503AndHealsWithoutRestart) {
  auto coordinator = start();
  auto [account, order_id] = order(*coordinator);
  // A client timeout shorter than the coordinator's read timeout: an answer within it
  // shows nobody waited for a session to a dead server.
  HttpClient client("127.0.0.1", coordinator->port(), std::chrono::seconds(10));

  for (const std::string victim : {"payments", "orders"}) {
    SCOPED_TRACE(victim);
    pair_->kill(victim);
    ASSERT_TRUE(eventually([&] { return client.get("/healthz").status == 503; }));
    auto health = client.get("/healthz").json();
    EXPECT_EQ(health["databases"][victim], "down") << health.dump();

    auto refused = pay(client, order_id, "");
    EXPECT_EQ(refused.status, 503) << refused.body;
    EXPECT_EQ(refused.headers["content-type"], "application/problem+json");
    EXPECT_EQ(client.get("/v1/accounts/" + account).status, victim == "payments" ? 503 : 200);

    pair_->start(victim);
    ASSERT_TRUE(eventually([&] { return client.get("/healthz").status == 200; }))
        << coordinator->log_text();
    EXPECT_EQ(order_status_in_db(*pair_, order_id), "PENDING");
    EXPECT_EQ(balance(client, account), funds_);
    // The restarted server forgot the node's lock: the coordinator takes it again.
    EXPECT_TRUE(eventually([&] { return node_lock_holder(*pair_, victim, node_) != 0; }))
        << coordinator->log_text();
  }
  // A server that hangs instead of dying (SIGSTOP: connections open, nothing answers)
  // is found out by the health check's timeouts, and requests are refused all the same.
  pair_->pause("payments");
  EXPECT_TRUE(eventually([&] { return client.get("/healthz").status == 503; }));
  auto refused = pay(client, order_id, "");
  EXPECT_EQ(refused.status, 503) << refused.body;
  pair_->resume("payments");
  ASSERT_TRUE(eventually([&] { return client.get("/healthz").status == 200; }))
      << coordinator->log_text();
  EXPECT_TRUE(eventually([&] { return node_lock_holder(*pair_, "payments", node_) != 0; }));
  EXPECT_FALSE(has_event(coordinator->log_text(), "node_lock_lost", ""));

  EXPECT_EQ(pay(client, order_id, "").status, 200);
  expect_settled(*coordinator, order_id, "PAID");
}

}  // namespace
}  // namespace xacoord::test
