// Recovery over the fake servers (tests/support/fakes): start-up, phase-two retries and
// XAER_NOTA, orphans seen once and twice, forced decisions, and the table that must not
// forget an adopted transaction. No database is reachable from here at all.
#include <gtest/gtest.h>

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
  std::shared_ptr<FakeProcess> helper_ = std::make_shared<FakeProcess>();
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
  world_.spawn([&]() -> asio::awaitable<void> {
    std::vector<std::string> commit;
    commit.push_back(db::xa::commit(branch_xid(id, "orders")));
    co_await holder->batch(std::move(commit));
  }());
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
  world_.spawn([&]() -> asio::awaitable<void> {
    result = co_await c.resolver().force(id, true, "operator checked the payment");
  }());
  world_.advance(seconds(1));
  EXPECT_TRUE(result.accepted) << result.detail;
  EXPECT_EQ(result.branches, 2u);
  EXPECT_TRUE(committed(id, "orders"));
  EXPECT_TRUE(committed(id, "payments"));
  EXPECT_TRUE(world_.disk.state().heuristics().empty());  // closed once finished
}

TEST_F(RecoveryTest, AForcedRollbackOfADecidedTransactionIsRefused) {
  std::string id = leave_prepared(12, true);
  world_.payments.set_reachable(false);  // keeps the decided transaction in doubt
  FakeCoordinator& c = world_.start();
  world_.spawn(c.resolver().recover_at_startup());
  world_.advance(seconds(1));
  ForceResult result;
  world_.spawn([&]() -> asio::awaitable<void> {
    result = co_await c.resolver().force(id, false, "wrong call");
  }());
  world_.advance(seconds(1));
  EXPECT_FALSE(result.accepted);
  EXPECT_NE(result.detail.find("commit decision"), std::string::npos) << result.detail;
  world_.payments.set_reachable(true);
  world_.advance(seconds(20), milliseconds(250));
  EXPECT_TRUE(committed(id, "payments"));
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
