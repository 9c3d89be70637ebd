// Recovery's judgement about branches nobody is driving: foreign xids are never touched,
// an orphan of this node is rolled back only after two scans a grace period apart, a
// transaction past its deadline lets go of its locks, and the operator's forced decisions
// are logged, carried out, and refused where they would contradict a decision.
//
// The prepared branches these tests find are made by a test session (XA START, a write,
// XA END, XA PREPARE, disconnect): exactly what a coordinator that died leaves behind.
#include <csignal>

#include <gtest/gtest.h>

#include "protocol/txn_id.h"
#include "tests/coordinator/recovery/recovery_fixture.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

using std::chrono::milliseconds;

class RecoveryOperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = DbPair::shared();
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
    prefix_ = unique_name("ops");
  }
  void TearDown() override {
    // Whatever a failed test left prepared goes, so no other test trips over its locks.
    if (!pair_) return;
    for (const auto& xid : made_) {
      try {
        pair_->connect("payments")->xa_rollback(xid);
      } catch (const std::exception&) {
        // finished already: the expected case
      }
    }
    for (const auto& xid : made_orders_) {
      try {
        pair_->connect("orders")->xa_rollback(xid);
      } catch (const std::exception&) {
        // finished already: the expected case
      }
    }
  }

  std::unique_ptr<CoordinatorProcess> start(std::vector<std::string> extra) {
    CoordinatorOptions options = CoordinatorOptions::for_pair(*pair_);
    options.node_id = node_;
    return start_ready(std::move(options), std::move(extra));
  }

  // A prepared payments branch with `xid` that inserts the account `account_id`, its
  // session gone. Returns the account id.
  std::string prepare_orphan(const Xid& xid, const std::string& account_id) {
    auto session = pair_->connect("payments");
    session->xa_start(xid);
    session->execute("INSERT INTO accounts (account_id, balance_cents, funded_cents) VALUES ('" +
                     account_id + "', 0, 0)");
    session->xa_end(xid);
    session->xa_prepare(xid);
    made_.push_back(xid);
    return account_id;
  }
  // The orders branch of the same transaction as `payments_xid`, prepared and left too (a
  // harmless row of its own): what a two-branch transaction that died after its prepares
  // leaves on the orders server.
  void prepare_orders_branch_too(const Xid& payments_xid) {
    Xid xid = payments_xid;
    xid.bqual = "orders";
    auto session = pair_->connect("orders");
    session->xa_start(xid);
    session->execute(
        "INSERT INTO idempotency_keys (idem_key, fingerprint, http_status, response) VALUES ('" +
        txn_of_xid(xid)->to_string() + "', 'test', 200, '')");
    session->xa_end(xid);
    session->xa_prepare(xid);
    made_orders_.push_back(xid);
  }
  // An xid of this test's node, of a transaction no coordinator ever began.
  Xid own_xid(std::uint64_t seq) { return branch_xid(TxnId{node_, 900'000, seq}, "payments"); }

  bool listed(const Xid& xid) {
    auto all = prepared_all(*pair_, "payments");
    return std::find(all.begin(), all.end(), xid) != all.end();
  }
  bool account_exists(const std::string& account_id) {
    return !pair_->connect("payments")
                ->query("SELECT 1 FROM accounts WHERE account_id = '" + account_id + "'")
                .empty();
  }

  std::unique_ptr<DbPair> pair_;
  std::string prefix_;
  std::string node_ = unique_node_id("op");
  std::vector<Xid> made_;
  std::vector<Xid> made_orders_;
};

TEST_F(RecoveryOperationsTest, ForeignBranchesAreNeverTouched) {
  // Another format id with this node's gtrid, and this format id with another node's.
  Xid other_format = own_xid(1);
  other_format.format_id = 4242;
  Xid other_node = branch_xid(TxnId{unique_node_id("fx"), 1, 1}, "payments");
  Xid own = own_xid(2);
  prepare_orphan(other_format, prefix_ + "-a");
  prepare_orphan(other_node, prefix_ + "-b");
  prepare_orphan(own, prefix_ + "-c");

  auto coordinator = start({"--orphan-scan-interval", "200ms", "--orphan-grace", "500ms"});
  // Start-up recovery rolled back this node's branch (presumed abort) before ready ...
  EXPECT_FALSE(listed(own));
  EXPECT_FALSE(account_exists(prefix_ + "-c"));
  // ... and left the others alone, which it counted.
  EXPECT_NE(coordinator->log_text().find("\"foreign_branches_left_alone\""), std::string::npos);

  // Orphan scans run; a fresh orphan of this node going away shows they did, several times.
  Xid fresh = own_xid(3);
  prepare_orphan(fresh, prefix_ + "-d");
  ASSERT_TRUE(eventually([&] { return !listed(fresh); })) << coordinator->log_text();
  std::this_thread::sleep_for(milliseconds(1'000));  // a few more scans
  EXPECT_TRUE(listed(other_format));
  EXPECT_TRUE(listed(other_node));
}

TEST_F(RecoveryOperationsTest, AnOrphanIsRolledBackOnlyAfterTwoScansAGracePeriodApart) {
  const milliseconds grace{2'000};
  auto coordinator = start({"--orphan-scan-interval", "300ms", "--orphan-grace", "2s"});
  Xid orphan = own_xid(1);
  auto made_at = std::chrono::steady_clock::now();
  prepare_orphan(orphan, prefix_ + "-o");
  ASSERT_TRUE(eventually([&] { return !listed(orphan); })) << coordinator->log_text();
  // Never before the grace period: a transaction in the middle of its prepare looks
  // exactly like this for a moment.
  EXPECT_GE(std::chrono::steady_clock::now() - made_at, grace);
  EXPECT_FALSE(account_exists(prefix_ + "-o"));  // rolled back, not committed
  auto txn = txn_of_xid(orphan)->to_string();
  EXPECT_TRUE(has_event(coordinator->log_text(), "orphan_branch_rolled_back", txn))
      << coordinator->log_text();
  // Admin routes do not exist without --admin-token.
  auto client = coordinator->client();
  EXPECT_EQ(client.post_json("/v1/admin/transactions/" + txn + "/commit", {}).status, 404);
}

// A pay whose payments branch waits behind a lock held elsewhere: at the deadline the
// coordinator interrupts it and rolls everything back, so the order row (locked by the
// already prepared orders branch) is free again while the other lock is still held.
TEST_F(RecoveryOperationsTest, APayPastItsDeadlineIsRolledBackAndLetsGoOfItsLocks) {
  auto coordinator = start({"--deadline", "1500ms"});
  auto client = coordinator->client();
  auto account = open_account(client, prefix_, 5'000);
  auto order_id = create_order(client, account, 700);
  RowLock lock(
      *pair_, "payments",
      "SELECT balance_cents FROM accounts WHERE account_id = '" + account + "' FOR UPDATE");
  auto reply = pay_async(*coordinator, order_id, "");
  // The bound is far below the 20 s lock wait and read timeouts: only the deadline ends
  // the pay this soon.
  auto answer = reply.get(std::chrono::seconds(12));
  EXPECT_EQ(answer.status, 503) << answer.body;
  EXPECT_NE(answer.body.find("deadline"), std::string::npos) << answer.body;
  EXPECT_NE(coordinator->log_text().find("\"deadline_interrupt\""), std::string::npos);
  // Still holding the payments lock: nothing of the pay holds anything anymore.
  EXPECT_TRUE(eventually([&] {
    return prepared_of_node(*pair_, "orders", node_).empty() &&
           prepared_of_node(*pair_, "payments", node_).empty();
  })) << coordinator->log_text();
  auto cancelled = cancel(client, order_id);
  EXPECT_EQ(cancelled.status, 200) << cancelled.body;
  lock.release();
  EXPECT_EQ(balance(client, account), 5'000);
  EXPECT_EQ(invariant_violations(*pair_, prefix_, node_), "");
}

TEST_F(RecoveryOperationsTest, OperatorForcesOutcomesAndIsRefusedWhereTheyContradict) {
  const std::string token = "op-" + prefix_;
  // A grace no scan reaches: these branches wait for the operator.
  auto coordinator = start({"--admin-token", token, "--orphan-grace", "60m"});
  const std::string server = "127.0.0.1:" + std::to_string(coordinator->port());
  Xid to_commit = own_xid(1), to_roll_back = own_xid(2), half = own_xid(3);
  prepare_orphan(to_commit, prefix_ + "-commit");
  prepare_orders_branch_too(to_commit);  // a commit needs every branch still prepared
  prepare_orphan(to_roll_back, prefix_ + "-rollback");
  prepare_orphan(half, prefix_ + "-half");  // its orders branch is gone already
  const std::string commit_id = txn_of_xid(to_commit)->to_string();
  const std::string rollback_id = txn_of_xid(to_roll_back)->to_string();
  auto txn = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "txn");
    args.push_back("--server");
    args.push_back(server);
    return run_xacoord(args);
  };

  EXPECT_EQ(txn({"commit", commit_id}).exit_code, 2);  // --force is required
  auto wrong = txn({"commit", commit_id, "--force", "--admin-token", "nope"});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.output.find("401"), std::string::npos) << wrong.output;
  EXPECT_TRUE(listed(to_commit));

  // A commit of a transaction that lost one of its branches would split it: refused.
  auto split = txn({"commit", txn_of_xid(half)->to_string(), "--force", "--admin-token", token});
  EXPECT_EQ(split.exit_code, 1) << split.output;
  EXPECT_NE(split.output.find("would split"), std::string::npos) << split.output;
  EXPECT_TRUE(listed(half));

  auto forced = txn({"commit", commit_id, "--force", "--admin-token", token, "--reason", "test"});
  EXPECT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_TRUE(eventually([&] { return !listed(to_commit); }));
  EXPECT_TRUE(account_exists(prefix_ + "-commit"));
  auto shown = txn({"show", commit_id});
  EXPECT_NE(shown.output.find("COMMITTED"), std::string::npos) << shown.output;

  auto rolled = txn({"rollback", rollback_id, "--force", "--admin-token", token});
  EXPECT_EQ(rolled.exit_code, 0) << rolled.output;
  EXPECT_TRUE(eventually([&] { return !listed(to_roll_back); }));
  EXPECT_FALSE(account_exists(prefix_ + "-rollback"));

  // Contradicting what was decided is refused, and so is another node's transaction.
  auto undo_commit = txn({"rollback", commit_id, "--force", "--admin-token", token});
  EXPECT_EQ(undo_commit.exit_code, 1);
  EXPECT_NE(undo_commit.output.find("commit decision"), std::string::npos) << undo_commit.output;
  auto undo_rollback = txn({"commit", rollback_id, "--force", "--admin-token", token});
  EXPECT_EQ(undo_rollback.exit_code, 1) << undo_rollback.output;
  Xid foreign = branch_xid(TxnId{unique_node_id("fy"), 1, 1}, "payments");
  prepare_orphan(foreign, prefix_ + "-foreign");
  auto not_ours =
      txn({"rollback", txn_of_xid(foreign)->to_string(), "--force", "--admin-token", token});
  EXPECT_EQ(not_ours.exit_code, 1);
  EXPECT_NE(not_ours.output.find("belongs to node"), std::string::npos) << not_ours.output;
  EXPECT_TRUE(listed(foreign));

  // Both decisions are in the decision log, with the reason.
  auto log = run_xacoord({"log", "dump", coordinator->options().log_dir});
  EXPECT_EQ(log.exit_code, 0) << log.output;
  EXPECT_NE(log.output.find(commit_id), std::string::npos) << log.output;
  EXPECT_NE(log.output.find(rollback_id), std::string::npos) << log.output;
  EXPECT_NE(log.output.find("\"reason\":\"test\""), std::string::npos) << log.output;
}

// XAER_NOTA from a recovery session does not mean "done" while the server still lists
// the branch: on MariaDB that is what a branch still attached to the session that
// prepared it looks like. Recovery keeps trying, and finishes it once that session goes.
TEST_F(RecoveryOperationsTest, NotaIsNotDoneWhileTheServerStillListsTheBranch) {
  const std::string token = "op-" + prefix_;
  auto coordinator = start({"--admin-token", token, "--orphan-grace", "60m"});
  const std::string server = "127.0.0.1:" + std::to_string(coordinator->port());
  Xid xid = own_xid(1);
  const std::string txn_id = txn_of_xid(xid)->to_string();
  auto holder = pair_->connect("payments");  // prepares the branch and stays connected
  holder->xa_start(xid);
  holder->execute("INSERT INTO accounts (account_id, balance_cents, funded_cents) VALUES ('" +
                  prefix_ + "-attached', 0, 0)");
  holder->xa_end(xid);
  holder->xa_prepare(xid);
  made_.push_back(xid);
  prepare_orders_branch_too(xid);  // a commit needs every branch still prepared

  auto forced =
      run_xacoord({"txn", "commit", txn_id, "--force", "--admin-token", token, "--server", server});
  ASSERT_EQ(forced.exit_code, 0) << forced.output;
  ASSERT_TRUE(coordinator->wait_for_log("\"recovery_branch_still_attached\""))
      << coordinator->log_text();
  // Still in doubt, still prepared, not committed.
  auto in_doubt = run_xacoord({"txn", "list", "--in-doubt", "--server", server});
  EXPECT_NE(in_doubt.output.find(txn_id), std::string::npos) << in_doubt.output;
  EXPECT_TRUE(listed(xid));
  EXPECT_FALSE(account_exists(prefix_ + "-attached"));

  holder.reset();  // the session goes; the prepared branch stays, detached
  EXPECT_TRUE(eventually([&] { return !listed(xid); })) << coordinator->log_text();
  EXPECT_TRUE(account_exists(prefix_ + "-attached"));
  EXPECT_TRUE(has_event(coordinator->log_text(), "recovery_finished_branch", txn_id));
}

// Two coordinators running as one node id would each take the other's live branches for
// leftovers of an earlier run of its own: start-up recovery kills the node's sessions
// and rolls back what its own log did not decide. A second start must refuse before it
// touches anything — here while the first holds a pay with both branches prepared.
TEST_F(RecoveryOperationsTest, ASecondCoordinatorWithTheSameNodeIdRefusesToStart) {
  CoordinatorOptions first_options = CoordinatorOptions::for_pair(*pair_);
  first_options.node_id = node_;
  first_options.stall_at = "after_prepare_all";
  first_options.stall_ms = 4000;
  auto first = start_ready(first_options);
  auto client = first->client();
  auto account = open_account(client, prefix_, 10'000);
  auto order = create_order(client, account, 1'000);
  auto paying = pay_async(*first, order, unique_name("key"));
  ASSERT_TRUE(first->wait_for_log("\"stall_point\"")) << first->log_text();

  CoordinatorOptions second_options = CoordinatorOptions::for_pair(*pair_);
  second_options.node_id = node_;
  second_options.extra_args = {"--node-lock-wait-seconds", "1"};
  auto second = CoordinatorProcess::start(second_options);
  auto exit = second->wait_exit(std::chrono::seconds(30));
  ASSERT_TRUE(exit.has_value()) << second->log_text();
  EXPECT_FALSE(exit->signaled);
  EXPECT_EQ(exit->code, 1);
  EXPECT_NE(second->log_text().find("node id '" + node_ + "' is in use"), std::string::npos)
      << second->log_text();
  EXPECT_FALSE(has_event(second->log_text(), "recovery_started", ""));

  // The first coordinator's pay went on as if nothing had happened.
  auto reply = paying.get();
  EXPECT_EQ(reply.status, 200) << reply.body << first->log_text();
  EXPECT_EQ(order_status_in_db(*pair_, order), "PAID");
  EXPECT_EQ(invariant_violations(*pair_, prefix_, node_), "");

  // A coordinator that is gone lets go of the node id at once: its server ends the
  // session that held the lock when the process dies.
  first->signal(SIGKILL);
  ASSERT_TRUE(first->wait_exit(std::chrono::seconds(10)).has_value());
  auto third = CoordinatorProcess::start(second_options);
  EXPECT_TRUE(third->wait_ready()) << third->log_text();
}

}  // namespace
}  // namespace xacoord::test
