// Recovery over the fake servers (tests/support/fakes): start-up, phase-two retries and
// XAER_NOTA, orphans seen once and twice, forced decisions, and the table that must not
// forget an adopted transaction. No database is reachable from here at all.
#include <variant>

#include <gtest/gtest.h>

#include "common/crash_points.h"
#include "coordinator/recovery/resolver.h"
#include "participants/xa_sql.h"
#include "tests/support/fakes/fake_coordinator.h"

namespace xacoord::test {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Prepares `xid` on `server` through a session of `process` and leaves it there. With
// `detach`, the session then goes (the branch stays prepared, attached to nobody).
asio::awaitable<void> prepare_branch(FakeServer& server, std::shared_ptr<FakeProcess> process,
                                     Xid xid, bool detach, std::unique_ptr<FakeSession>* keep) {
  auto session = std::make_unique<FakeSession>(server, std::move(process), "test");
  std::vector<std::string> statements;
  statements.push_back(db::xa::start(xid));
  statements.push_back("UPDATE something");
  statements.push_back(db::xa::end(xid));
  statements.push_back(db::xa::prepare(xid));
  co_await session->batch(std::move(statements));
  if (detach) {
    session->close();
  } else {
    *keep = std::move(session);
  }
}

// A forced decision whose result lands in *out. A free function, not a lambda: a lambda
// coroutine's captures die with the temporary closure while the coroutine still runs.
asio::awaitable<void> force_into(Resolver* resolver, std::string id, bool commit,
                                 std::string reason, ForceResult* out) {
  *out = co_await resolver->force(std::move(id), commit, std::move(reason));
}

asio::awaitable<void> commit_on(FakeSession* session, Xid xid) {
  std::vector<std::string> commit;
  commit.push_back(db::xa::commit(xid));
  co_await session->batch(std::move(commit));
}

class RecoveryTest : public ::testing::Test {
 protected:
  // A transaction of node "1" with both branches prepared and detached, as a coordinator
  // that died after its prepares leaves it; with `decided`, its decision is on the disk.
  std::string leave_prepared(std::uint64_t seq, bool decided) {
    TxnId id{"1", 1, seq};
    for (FakeServer* server : {&world_.orders, &world_.payments}) {
      world_.spawn(
          prepare_branch(*server, helper_, branch_xid(id, server->participant()), true, nullptr));
    }
    world_.settle();
    if (decided) {
      world_.disk.durable.push_back(CommitDecision{
          id.to_string(),
          0,
          {{"orders", branch_xid(id, "orders")}, {"payments", branch_xid(id, "payments")}}});
    }
    return id.to_string();
  }
  void recover(FakeCoordinator& c) {
    auto done = world_.spawn(c.resolver().recover_at_startup());
    world_.advance(seconds(3));
    ASSERT_TRUE(done->done);
    ASSERT_FALSE(done->error);
  }
  bool committed(const std::string& id, const std::string& participant) {
    FakeServer& s = participant == "orders" ? world_.orders : world_.payments;
    return s.committed().contains(branch_xid(*TxnId::parse(id), participant));
  }
  bool rolled_back(const std::string& id, const std::string& participant) {
    FakeServer& s = participant == "orders" ? world_.orders : world_.payments;
    return s.rolled_back().contains(branch_xid(*TxnId::parse(id), participant));
  }

  FakeWorld world_;
  // The test's own sessions: of no coordinator node, so no start-up ends them.
  std::shared_ptr<FakeProcess> helper_ = [] {
    auto p = std::make_shared<FakeProcess>();
    p->node_id = "test";
    return p;
  }();
};

TEST_F(RecoveryTest, StartupCommitsWhatWasDecidedAndRollsBackTheRest) {
  std::string decided = leave_prepared(1, true);
  std::string undecided = leave_prepared(2, false);
  FakeCoordinator& c = world_.start();
  recover(c);
  EXPECT_TRUE(committed(decided, "orders"));
  EXPECT_TRUE(committed(decided, "payments"));
  EXPECT_TRUE(rolled_back(undecided, "orders"));
  EXPECT_TRUE(rolled_back(undecided, "payments"));
  EXPECT_TRUE(world_.orders.prepared().empty());
  EXPECT_TRUE(world_.payments.prepared().empty());
  // The decision is closed in the store once both branches are confirmed.
  EXPECT_TRUE(world_.disk.state().open().empty());
}

TEST_F(RecoveryTest, StartupLeavesOtherNodesAndOtherFormatIdsAlone) {
  Xid other_node = branch_xid(TxnId{"2", 1, 1}, "orders");
  Xid other_format{1, "someone-else", "b"};
  world_.spawn(prepare_branch(world_.orders, helper_, other_node, true, nullptr));
  world_.spawn(prepare_branch(world_.payments, helper_, other_format, true, nullptr));
  world_.settle();
  FakeCoordinator& c = world_.start();
  recover(c);
  EXPECT_EQ(world_.orders.prepared(), std::vector<Xid>{other_node});
  EXPECT_EQ(world_.payments.prepared(), std::vector<Xid>{other_format});
  EXPECT_EQ(c.resolver().foreign_seen(), 2u);
}

TEST_F(RecoveryTest, StartupKillsASessionOfTheEarlierRunThatTheServerStillRuns) {
  FakeCoordinator& first = world_.start();
  world_.orders.hang_next("SELECT order");  // waiting for a row lock when the process died
  std::shared_ptr<Transaction> txn;
  world_.spawn(pay(first, &txn));
  world_.settle();
  // The process dies, but the server has not noticed: its session still waits there and
  // would go on (and prepare) once the lock came free.
  first.process()->dead = true;
  EXPECT_EQ(world_.orders.hung(), 1u);
  FakeCoordinator& next = world_.start();
  recover(next);
  EXPECT_EQ(world_.orders.count("KILL CONNECTION"), 1u);
  EXPECT_EQ(world_.orders.hung(), 0u);
  EXPECT_TRUE(world_.orders.rolled_back().contains(branch_xid(txn->id(), "orders")));
}

TEST_F(RecoveryTest, XaerNotaWhileTheServerStillListsTheBranchIsRetriedUntilItsSessionGoes) {
  TxnId id{"1", 1, 7};
  std::unique_ptr<FakeSession> holder;  // the preparing session, still connected
  world_.spawn(
      prepare_branch(world_.payments, helper_, branch_xid(id, "payments"), false, &holder));
  world_.spawn(prepare_branch(world_.orders, helper_, branch_xid(id, "orders"), true, nullptr));
  world_.settle();
  world_.disk.durable.push_back(CommitDecision{
      id.to_string(),
      0,
      {{"orders", branch_xid(id, "orders")}, {"payments", branch_xid(id, "payments")}}});
  FakeCoordinator& c = world_.start();
  auto done = world_.spawn(c.resolver().recover_at_startup());
  world_.advance(seconds(5));
  EXPECT_FALSE(done->done);  // NOTA, but listed: not done
  EXPECT_TRUE(committed(id.to_string(), "orders"));
  EXPECT_FALSE(committed(id.to_string(), "payments"));
  EXPECT_GE(world_.payments.count("XA COMMIT"), 2u);
  holder->close();  // the session goes; the branch detaches and can be finished
  world_.advance(seconds(15), milliseconds(250));
  EXPECT_TRUE(done->done);
  EXPECT_TRUE(committed(id.to_string(), "payments"));
}

TEST_F(RecoveryTest, XaerNotaForABranchNoLongerListedCountsAsDone) {
  TxnId id{"1", 1, 8};
  // Decided, and both branches already committed (their FINISHED record was lost).
  world_.disk.durable.push_back(CommitDecision{
      id.to_string(),
      0,
      {{"orders", branch_xid(id, "orders")}, {"payments", branch_xid(id, "payments")}}});
  FakeCoordinator& c = world_.start();
  recover(c);
  EXPECT_EQ(world_.orders.count("XA COMMIT"), 1u);  // answered NOTA, then not listed
  EXPECT_TRUE(world_.disk.state().open().empty());
}

TEST_F(RecoveryTest, AnOrphanIsRolledBackOnlyWhenTwoScansAGraceApartSeeIt) {
  FakeCoordinator::Options options;
  options.recovery.orphan_grace = seconds(30);
  FakeCoordinator& c = world_.start(options);
  recover(c);
  std::string orphan = leave_prepared(9, false);  // prepared after start-up listed the servers
  auto scan = [&] {
    auto done = world_.spawn(c.resolver().scan_orphans());
    world_.settle();
    ASSERT_TRUE(done->done);
  };
  scan();  // first sighting
  world_.advance(seconds(10));
  scan();  // seen again, but within the grace
  EXPECT_FALSE(rolled_back(orphan, "orders"));
  world_.advance(seconds(25));
  scan();  // a grace period after the first sighting
  world_.advance(seconds(1));
  EXPECT_TRUE(rolled_back(orphan, "orders"));
  EXPECT_TRUE(rolled_back(orphan, "payments"));
}

TEST_F(RecoveryTest, ABranchThatFinishesBetweenScansIsNeverTouched) {
  FakeCoordinator& c = world_.start();
  recover(c);
  TxnId id{"1", 1, 10};
  std::unique_ptr<FakeSession> holder;
  world_.spawn(prepare_branch(world_.orders, helper_, branch_xid(id, "orders"), false, &holder));
  world_.settle();
  world_.spawn(c.resolver().scan_orphans());
  world_.settle();
  // Its own coordinator commits it (it was mid-flight, not an orphan).
  world_.spawn(commit_on(holder.get(), branch_xid(id, "orders")));
  world_.advance(seconds(40));
  world_.spawn(c.resolver().scan_orphans());
  world_.advance(seconds(1));
  EXPECT_TRUE(world_.orders.committed().contains(branch_xid(id, "orders")));
  EXPECT_EQ(world_.orders.count("XA ROLLBACK"), 0u);
}

TEST_F(RecoveryTest, AForcedCommitOfAnUndecidedBranchIsRecordedAndCommitted) {
  FakeCoordinator& c = world_.start();
  recover(c);
  std::string id = leave_prepared(11, false);
  ForceResult result;
  world_.spawn(force_into(&c.resolver(), id, true, "operator checked the payment", &result));
  world_.advance(seconds(1));
  EXPECT_TRUE(result.accepted) << result.detail;
  EXPECT_EQ(result.branches, 2u);
  EXPECT_TRUE(committed(id, "orders"));
  EXPECT_TRUE(committed(id, "payments"));
  EXPECT_TRUE(world_.disk.state().heuristics().empty());  // closed once finished
}

TEST_F(RecoveryTest, AForcedRollbackOfADecidedTransactionIsRefused) {
  FakeCoordinator& c = world_.start();
  recover(c);
  // A pay decided to commit whose payments branch cannot be committed yet: in doubt.
  world_.payments.fail_next("XA COMMIT", db::ErrorKind::kConnectionLost);
  world_.payments.fail_next("XA COMMIT", db::ErrorKind::kLockTimeout, 1000);
  std::shared_ptr<Transaction> txn;
  world_.spawn(pay(c, &txn));
  world_.advance(seconds(1));
  ASSERT_TRUE(txn && txn->in_doubt());
  ForceResult result;
  world_.spawn(force_into(&c.resolver(), txn->id_text(), false, "wrong call", &result));
  world_.advance(seconds(1));
  EXPECT_FALSE(result.accepted);
  EXPECT_NE(result.detail.find("commit decision"), std::string::npos) << result.detail;
  world_.payments.release();
}

// Issue 13, finding 2: abandoned sessions are ended by their id.
TEST_F(RecoveryTest, StartupEndsTheIdleSessionsADeadRunLeftWithPreparedBranches) {
  // A run dies after both prepares (its host crashed): the servers have not noticed, its
  // sessions sit idle there with the branches attached.
  FakeCoordinator& first = world_.start();
  recover(first);
  bool died = false;
  set_crash_hook([&](CrashPoint p) {
    if (p != CrashPoint::kAfterPrepareAll || died) return;
    died = true;
    first.process()->dead = true;  // no server hears of it
  });
  std::shared_ptr<Transaction> txn;
  world_.spawn(pay(first, &txn));
  world_.settle();
  set_crash_hook({});
  ASSERT_TRUE(died);
  ASSERT_EQ(world_.payments.prepared().size(), 1u);
  FakeCoordinator& next = world_.start();
  recover(next);  // would loop on XAER_NOTA-but-listed forever without ending them
  EXPECT_TRUE(world_.orders.prepared().empty());
  EXPECT_TRUE(world_.payments.prepared().empty());
  EXPECT_TRUE(world_.payments.rolled_back().contains(branch_xid(txn->id(), "payments")));
}

TEST_F(RecoveryTest, ABufferedPrepareOfAnAbandonedSessionIsEndedBeforeXaRecoverIsTrusted) {
  FakeCoordinator& c = world_.start();
  recover(c);
  // The payments server is paused while it holds the pay's XA PREPARE: the client's read
  // times out and closes its side; the server will run the PREPARE when it resumes.
  world_.payments.time_out_next("XA PREPARE");
  std::shared_ptr<Transaction> txn;
  auto paid = world_.spawn(pay(c, &txn));
  world_.advance(seconds(3));
  ASSERT_TRUE(paid->done);
  world_.payments.release();  // the server resumes
  world_.advance(seconds(3));
  EXPECT_TRUE(world_.payments.prepared().empty()) << "a prepared branch nobody will finish";
  EXPECT_TRUE(world_.orders.prepared().empty());
  EXPECT_EQ(txn->state(), TxnState::kAborted);
}

// The same, with the pause earlier in the branch's batch: the server holds the debit
// (waiting for the account's row lock, or paused), the client gives up, and when the
// server goes on it runs the rest of the batch, XA PREPARE included. Found by the long
// chaos run (docs/reliability.md, "Bugs the runs found").
TEST_F(RecoveryTest, ABatchAnAbandonedSessionStillRunsIsEndedBeforeTheRollbackIsTrusted) {
  FakeCoordinator& c = world_.start();
  recover(c);
  world_.payments.time_out_next("UPDATE accounts");
  std::shared_ptr<Transaction> txn;
  auto paid = world_.spawn(pay(c, &txn));
  world_.advance(seconds(3));
  ASSERT_TRUE(paid->done);
  world_.payments.release();  // the server goes on with the batch
  world_.advance(seconds(3));
  EXPECT_TRUE(world_.payments.prepared().empty()) << "a prepared branch nobody will finish";
  EXPECT_TRUE(world_.orders.prepared().empty());
  EXPECT_EQ(txn->state(), TxnState::kAborted);
}

// Issue 13, finding 1: a forced decision must be atomic with respect to the orphan scan,
// start-up recovery and other forces (docs/model.md, "The fixed force").
TEST_F(RecoveryTest, AForcedCommitRacingTheOrphanScanNeverSplitsTheTransaction) {
  FakeCoordinator::Options options;
  options.recovery.orphan_grace = seconds(30);
  FakeCoordinator& c = world_.start(options);
  recover(c);
  std::string id = leave_prepared(20, false);
  world_.spawn(c.resolver().scan_orphans());  // first sighting of both branches
  world_.settle();
  world_.advance(seconds(31));
  // The operator forces a commit; its record waits for the fsync.
  c.store().hold_durability();
  ForceResult result;
  world_.spawn(force_into(&c.resolver(), id, true, "customer was charged, ship it", &result));
  world_.settle();
  ASSERT_EQ(c.store().queued(), 1u);
  // Meanwhile the scan sees both branches a second time: orders first, then payments,
  // whose listing answers only after the forced record is durable.
  world_.payments.hang_next("XA RECOVER");
  world_.spawn(c.resolver().scan_orphans());
  world_.settle();
  c.store().make_durable();
  world_.settle();
  world_.payments.release();
  world_.advance(seconds(3));
  EXPECT_TRUE(result.accepted) << result.detail;
  const bool orders = committed(id, "orders"), payments = committed(id, "payments");
  EXPECT_EQ(orders, payments) << "split: orders " << (orders ? "committed" : "rolled back")
                              << ", payments " << (payments ? "committed" : "rolled back");
  EXPECT_TRUE(orders && payments);  // the force won: it was accepted
}

TEST_F(RecoveryTest, TwoForcesAtOnceCannotBothBeRecorded) {
  FakeCoordinator& c = world_.start();
  recover(c);
  std::string id = leave_prepared(21, false);
  c.store().hold_durability();
  ForceResult commit, rollback;
  world_.spawn(force_into(&c.resolver(), id, true, "one operator", &commit));
  world_.spawn(force_into(&c.resolver(), id, false, "another operator", &rollback));
  world_.settle();
  c.store().make_durable();
  world_.advance(seconds(2));
  EXPECT_NE(commit.accepted, rollback.accepted) << commit.detail << " / " << rollback.detail;
  auto state = world_.disk.state();
  std::size_t heuristics = 0;
  for (const auto& r : world_.disk.durable)
    heuristics += std::holds_alternative<HeuristicRecord>(r);
  EXPECT_EQ(heuristics, 1u);
  EXPECT_EQ(committed(id, "orders"), committed(id, "payments"));
}

TEST_F(RecoveryTest, AForceDuringStartupRecoveryIsRefused) {
  std::string id = leave_prepared(22, false);
  world_.payments.hang_next("SELECT id FROM information_schema.processlist");
  FakeCoordinator& c = world_.start();
  auto startup = world_.spawn(c.resolver().recover_at_startup());
  world_.settle();
  ASSERT_FALSE(startup->done);
  ForceResult result;
  world_.spawn(force_into(&c.resolver(), id, true, "too early", &result));
  world_.settle();
  EXPECT_FALSE(result.accepted);
  EXPECT_NE(result.detail.find("start-up recovery"), std::string::npos) << result.detail;
  world_.payments.release();
  world_.advance(seconds(3));
  EXPECT_TRUE(startup->done);
  // Start-up rolled the undecided transaction back, as it should; nothing split.
  EXPECT_TRUE(rolled_back(id, "orders"));
  EXPECT_TRUE(rolled_back(id, "payments"));
}

// Issue 13, finding 4: an id adopted while its earlier, finished entry is still queued in
// the history must not be erased when that entry reaches the front of the queue.
TEST_F(RecoveryTest, TheTableKeepsATransactionAdoptedUnderAnIdStillInItsHistory) {
  metrics::Registry registry;
  CoordinatorMetrics metrics(registry);
  MemoryDecisionStore store(world_.disk, helper_);
  TransactionTable table(store, metrics, world_.clock, /*history=*/2);
  TxnId id{"1", 1, 1};
  auto finish_adopted = [&](const TxnId& tid) {
    auto t = table.make_adopted(tid);
    Branch& b = t->branches().emplace_back();
    b.participant = "orders";
    b.xid = branch_xid(tid, "orders");
    b.started = true;
    b.state = BranchState::kPrepared;
    t->adopt(TxnState::kAborting, world_.clock.wall_now(), false, false);
    t->hand_to_recovery(0);
    return t;
  };
  auto first = finish_adopted(id);
  first->branch_done(0, BranchState::kRolledBack);  // finished: in the history now
  auto again = finish_adopted(id);                  // found again (an orphan), live
  for (std::uint64_t seq = 2; seq <= 4; ++seq) {    // push the first entry out
    auto other = finish_adopted(TxnId{"1", 1, seq});
    other->branch_done(0, BranchState::kRolledBack);
  }
  auto found = table.find(id.to_string());
  ASSERT_TRUE(found);
  EXPECT_EQ(found.get(), again.get());
  EXPECT_TRUE(found->in_doubt());
}

}  // namespace
}  // namespace xacoord::test
