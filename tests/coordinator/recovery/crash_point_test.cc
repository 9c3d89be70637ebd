// Contract §5, one test per crash point: the real coordinator SIGKILLs itself at that step
// of a pay, a second coordinator starts on the same decision log and node id, and after
// its start-up recovery the order ends as the table says, no branch of the node is left
// prepared, contract §4 holds, and a retry with the same Idempotency-Key is answered.
#include <gtest/gtest.h>

#include <csignal>

#include "tests/coordinator/recovery/recovery_fixture.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

struct CrashCase {
  const char* point;
  // After recovery the pay is committed (the decision was durable) or rolled back.
  bool committed;
  // The pay must take the abort path to reach the point: it is short of funds. The
  // payments branch then fails at its debit while the orders branch prepares, and the
  // engine rolls back only once both have answered (phase one waits for every branch), so
  // the orders branch is always prepared when the abort path starts.
  bool short_of_funds;
  // Branches of the node that XA RECOVER lists when the second coordinator starts, where
  // the test can fix it (-1: it depends on which branch answered first).
  int prepared_at_restart;
  // A test session holds the account's row lock during the pay, so the payments branch
  // waits at its debit while the orders branch prepares: "one branch prepared" then means
  // exactly one. (Without it the other branch has nearly always prepared too by the time
  // the crash point runs.)
  bool hold_payments_row = false;
};

void PrintTo(const CrashCase& c, std::ostream* os) {
  *os << c.point;
}

class CrashPointTest : public ::testing::TestWithParam<CrashCase> {
 protected:
  void SetUp() override {
    pair_ = DbPair::shared();
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  }

  std::unique_ptr<CoordinatorProcess> start(const std::string& crash_at) {
    CoordinatorOptions options = CoordinatorOptions::for_pair(*pair_);
    options.node_id = node_;
    options.log_dir = log_dir_;
    options.crash_at = crash_at;
    options.extra_args = quick_recovery_flags();
    return CoordinatorProcess::start(options);
  }

  std::unique_ptr<DbPair> pair_;
  std::string node_ = unique_node_id("cp");
  std::string log_dir_ = scratch_dir("crash") + "/log";
};

TEST_P(CrashPointTest, RecoveryEndsThePayAsTheContractSays) {
  const CrashCase& c = GetParam();
  const std::string prefix = unique_name(std::string("crash_") + c.point);
  const std::int64_t funds = c.short_of_funds ? 500 : 10'000;
  const std::int64_t amount = c.short_of_funds ? 501 : 1'299;
  const std::string key = unique_name("key");

  auto first = start(c.point);
  ASSERT_TRUE(first->wait_ready()) << first->log_text();
  auto client = first->client();
  auto account = open_account(client, prefix, funds);
  auto order = create_order(client, account, amount);

  std::unique_ptr<RowLock> lock;
  if (c.hold_payments_row) {
    lock = std::make_unique<RowLock>(
        *pair_, "payments",
        "SELECT balance_cents FROM accounts WHERE account_id = '" + account + "' FOR UPDATE");
  }
  // The process dies inside this request: the connection drops without an answer.
  bool answered = false;
  try {
    auto reply = pay(client, order, key);
    answered = true;
    ADD_FAILURE() << "pay was answered " << reply.status << " " << reply.body;
  } catch (const std::exception&) {
  }
  auto exit = first->wait_exit(std::chrono::seconds(30));
  ASSERT_TRUE(exit.has_value()) << "the coordinator did not die at " << c.point;
  EXPECT_TRUE(exit->signaled && exit->code == SIGKILL) << first->log_text();
  ASSERT_NE(first->log_text().find("\"crash_point\",\"point\":\"" + std::string(c.point)),
            std::string::npos)
      << first->log_text();
  ASSERT_FALSE(answered);

  // The same decision log, the same node id: start-up recovery runs before ready.
  auto second = start("");
  ASSERT_TRUE(second->wait_ready()) << second->log_text();
  auto after = second->client();
  EXPECT_NE(second->log_text().find("\"recovery_finished\""), std::string::npos);

  if (c.committed) {
    EXPECT_EQ(order_status(after, order), "PAID");
    EXPECT_EQ(balance(after, account), funds - amount);
  } else {
    EXPECT_EQ(order_status(after, order), "PENDING");
    EXPECT_EQ(balance(after, account), funds);
  }
  if (c.prepared_at_restart >= 0) {
    // Where the coordinator died in the protocol shows in what recovery found.
    EXPECT_NE(second->log_text().find("\"prepared_branches_of_ours\":" +
                                      std::to_string(c.prepared_at_restart)),
              std::string::npos)
        << second->log_text();
  }
  if (lock) {
    // The dead coordinator's payments session was still waiting for the row (a server
    // notices a vanished client only when it next writes to it). Left alone, it would go
    // on once the row is free — its batch is already in the server — and prepare its
    // branch after recovery listed the server. Recovery killed it first.
    EXPECT_TRUE(has_event(second->log_text(), "sessions_of_earlier_run_killed", "payments"))
        << second->log_text();
    auto admin = pair_->connect("payments");
    EXPECT_TRUE(eventually([&] {
      return admin
          ->query(
              "SELECT 1 FROM information_schema.innodb_trx WHERE trx_state = "
              "'LOCK WAIT' AND trx_query LIKE '%" +
              account + "%'")
          .empty();
    }));
    lock->release();
    EXPECT_TRUE(prepared_of_node(*pair_, "payments", node_).empty());
  }
  EXPECT_TRUE(prepared_of_node(*pair_, "orders", node_).empty());
  EXPECT_TRUE(prepared_of_node(*pair_, "payments", node_).empty());
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");

  // The client never heard; it retries with the same key.
  auto retry = pay(after, order, key);
  if (c.committed) {
    // Replayed from the key stored inside the committed transaction.
    EXPECT_EQ(retry.status, 200) << retry.body;
    EXPECT_EQ(retry.json().value("status", ""), "PAID");
  } else if (c.short_of_funds) {
    EXPECT_EQ(retry.status, 422) << retry.body;
  } else {
    // Nothing of the first attempt survived, the key included: the retry pays for real.
    EXPECT_EQ(retry.status, 200) << retry.body;
  }
  EXPECT_EQ(order_status(after, order), c.short_of_funds ? "PENDING" : "PAID");
  EXPECT_EQ(balance(after, account), c.short_of_funds ? funds : funds - amount);
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
}

// Without --enable-fault-injection the variables are ignored: the pay goes through.
TEST_F(CrashPointTest, CrashPointsNeedFaultInjection) {
  CoordinatorOptions options = CoordinatorOptions::for_pair(*pair_);
  options.node_id = node_;
  options.log_dir = log_dir_;
  options.env = {{"XACOORD_CRASH_AT", "after_decision_logged"}};
  auto coordinator = CoordinatorProcess::start(options);
  ASSERT_TRUE(coordinator->wait_ready()) << coordinator->log_text();
  auto client = coordinator->client();
  const std::string prefix = unique_name("nofault");
  auto account = open_account(client, prefix, 1'000);
  auto order = create_order(client, account, 100);
  EXPECT_EQ(pay(client, order).status, 200);
  EXPECT_TRUE(coordinator->running());
  EXPECT_NE(coordinator->log_text().find("ignored without --enable-fault-injection"),
            std::string::npos)
      << coordinator->log_text();
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
}

INSTANTIATE_TEST_SUITE_P(Contract, CrashPointTest,
                         ::testing::Values(CrashCase{"before_prepare", false, false, 0},
                                           CrashCase{"after_prepare_first", false, false, 1, true},
                                           CrashCase{"after_prepare_all", false, false, 2},
                                           CrashCase{"after_decision_logged", true, false, 2},
                                           CrashCase{"after_commit_first", true, false, -1},
                                           CrashCase{"after_commit_all", true, false, 0},
                                           CrashCase{"before_rollback", false, true, 1},
                                           CrashCase{"after_rollback_first", false, true, -1}),
                         [](const ::testing::TestParamInfo<CrashCase>& info) {
                           return std::string(info.param.point);
                         });

}  // namespace
}  // namespace xacoord::test
