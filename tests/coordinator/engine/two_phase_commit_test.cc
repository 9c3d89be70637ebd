// The 2PC engine over the fake servers (tests/support/fakes): the protocol's decisions at
// each step, lost sessions, the deadline in each phase, and every crash point followed by
// the next process's start-up recovery. No database is reachable from here at all.
#include "coordinator/engine/two_phase_commit.h"

#include <gtest/gtest.h>

#include "common/crash_points.h"
#include "participants/db_error.h"
#include "tests/support/fakes/fake_coordinator.h"

namespace xacoord::test {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;

Xid xid_of(const Transaction& txn, const std::string& participant) {
  return branch_xid(txn.id(), participant);
}

template <typename E>
bool threw(const std::shared_ptr<FakeWorld::Spawned>& s) {
  if (!s->error) return false;
  try {
    std::rethrow_exception(s->error);
  } catch (const E&) {
    return true;
  } catch (...) {
    return false;
  }
}

db::ErrorKind db_error_kind(const std::shared_ptr<FakeWorld::Spawned>& s) {
  try {
    std::rethrow_exception(s->error);
  } catch (const db::DbError& e) {
    return e.kind();
  } catch (...) {
    return db::ErrorKind::kOther;
  }
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { c_ = &world_.start(); }

  std::shared_ptr<FakeWorld::Spawned> start_pay() { return world_.spawn(pay(*c_, &txn_)); }

  // Neither server holds anything of the transaction any more.
  void expect_nothing_prepared() {
    EXPECT_TRUE(world_.orders.prepared().empty());
    EXPECT_TRUE(world_.payments.prepared().empty());
  }
  void expect_committed_on_both() {
    EXPECT_TRUE(world_.orders.committed().contains(xid_of(*txn_, "orders")));
    EXPECT_TRUE(world_.payments.committed().contains(xid_of(*txn_, "payments")));
    expect_nothing_prepared();
  }
  void expect_committed_on_neither() {
    EXPECT_FALSE(world_.orders.committed().contains(xid_of(*txn_, "orders")));
    EXPECT_FALSE(world_.payments.committed().contains(xid_of(*txn_, "payments")));
    expect_nothing_prepared();
  }

  FakeWorld world_;
  FakeCoordinator* c_ = nullptr;
  std::shared_ptr<Transaction> txn_;
};

TEST_F(EngineTest, NoXaCommitGoesOutBeforeTheDecisionIsDurable) {
  c_->store().hold_durability();
  auto paid = start_pay();
  world_.settle();
  ASSERT_FALSE(paid->done);
  EXPECT_EQ(txn_->state(), TxnState::kPreparing);
  EXPECT_EQ(world_.orders.prepared().size(), 1u);
  EXPECT_EQ(world_.payments.prepared().size(), 1u);
  EXPECT_EQ(world_.orders.count("XA COMMIT") + world_.payments.count("XA COMMIT"), 0u);

  c_->store().make_durable();
  world_.settle();
  ASSERT_TRUE(paid->done);
  EXPECT_FALSE(paid->error);
  EXPECT_EQ(txn_->state(), TxnState::kCommitted);
  expect_committed_on_both();
  EXPECT_EQ(c_->store().finished_records(), 1u);  // the store may forget it
  EXPECT_EQ(c_->table().live(), 0u);
}

TEST_F(EngineTest, ABranchThatFailsToPrepareRollsBackBoth) {
  world_.payments.fail_next("UPDATE accounts", db::ErrorKind::kConstraint);
  auto paid = start_pay();
  world_.settle();
  ASSERT_TRUE(paid->done);
  EXPECT_EQ(db_error_kind(paid), db::ErrorKind::kConstraint);
  EXPECT_EQ(txn_->state(), TxnState::kAborted);
  EXPECT_TRUE(world_.disk.durable.empty());  // presumed abort: nothing recorded
  expect_committed_on_neither();
}

TEST_F(EngineTest, ARefusedDecisionRollsBackBoth) {
  c_->store().refuse_decisions(true);
  auto paid = start_pay();
  world_.settle();
  ASSERT_TRUE(paid->done);
  EXPECT_TRUE(threw<DecisionNotRecorded>(paid));
  EXPECT_EQ(txn_->state(), TxnState::kAborted);
  expect_committed_on_neither();
}

// A lost session, at each step of the protocol.
TEST_F(EngineTest, SessionLostOnTheFirstStatementRollsBack) {
  world_.orders.fail_next("XA START", db::ErrorKind::kConnectionLost);
  auto paid = start_pay();
  world_.settle();
  ASSERT_TRUE(paid->done);
  EXPECT_EQ(db_error_kind(paid), db::ErrorKind::kConnectionLost);
  EXPECT_EQ(txn_->state(), TxnState::kAborted);
  expect_committed_on_neither();
}

TEST_F(EngineTest, AnswerOfXaPrepareLostIsRolledBackOnceItsSessionIsEnded) {
  // The server prepared the branch, then the session went: only XA ROLLBACK can tell, and
  // only after the lost session is gone from the server (it may still be running the
  // batch): the phase-two retry ends it by id, then rolls back.
  world_.payments.lose_answer_of_next("XA PREPARE");
  auto paid = start_pay();
  world_.settle();
  ASSERT_TRUE(paid->done);
  EXPECT_EQ(db_error_kind(paid), db::ErrorKind::kConnectionLost);
  world_.advance(milliseconds(500));
  EXPECT_TRUE(world_.payments.rolled_back().contains(xid_of(*txn_, "payments")));
  EXPECT_EQ(txn_->state(), TxnState::kAborted);
  expect_committed_on_neither();
}

TEST_F(EngineTest, SessionLostDuringCommitIsFinishedByRecoveryNeverRolledBack) {
  world_.payments.fail_next("XA COMMIT", db::ErrorKind::kConnectionLost);
  auto paid = start_pay();
  world_.settle();
  ASSERT_TRUE(paid->done);
  EXPECT_FALSE(paid->error);  // decided: the client hears COMMIT
  EXPECT_EQ(txn_->state(), TxnState::kCommitting);
  EXPECT_TRUE(txn_->in_doubt());
  EXPECT_EQ(c_->resolver().pending(), 1u);
  world_.advance(milliseconds(500));
  EXPECT_EQ(txn_->state(), TxnState::kCommitted);
  EXPECT_EQ(c_->resolver().pending(), 0u);
  expect_committed_on_both();
}

TEST_F(EngineTest, ServerDownDuringCommitIsRetriedUntilItIsBack) {
  // Payments goes down (a restart that takes a while) right after the decision.
  set_crash_hook([&](CrashPoint reached) {
    if (reached != CrashPoint::kAfterDecisionLogged) return;
    world_.payments.restart();
    world_.payments.set_reachable(false);
  });
  auto paid = start_pay();
  world_.settle();
  set_crash_hook({});
  ASSERT_TRUE(paid->done);
  EXPECT_FALSE(paid->error);
  world_.advance(seconds(5));
  EXPECT_EQ(txn_->state(), TxnState::kCommitting);
  EXPECT_EQ(world_.payments.prepared().size(), 1u);
  world_.payments.set_reachable(true);
  world_.advance(seconds(15), milliseconds(200));
  EXPECT_EQ(txn_->state(), TxnState::kCommitted);
  expect_committed_on_both();
}

TEST_F(EngineTest, RollbackThatLosesItsSessionLeavesPreparedBranchesToRecovery) {
  world_.payments.fail_next("UPDATE accounts", db::ErrorKind::kConstraint);
  world_.orders.fail_next("XA ROLLBACK", db::ErrorKind::kConnectionLost);
  auto paid = start_pay();
  world_.settle();
  ASSERT_TRUE(paid->done);
  EXPECT_EQ(txn_->state(), TxnState::kAborting);  // the orders branch is recovery's now
  world_.advance(milliseconds(500));
  EXPECT_EQ(txn_->state(), TxnState::kAborted);
  expect_committed_on_neither();
}

// The deadline, in each phase.
TEST_F(EngineTest, DeadlinePassedBeforePrepareRollsBack) {
  auto flow = [this]() -> asio::awaitable<void> {
    TwoPhaseCommit& engine = c_->engine();
    txn_ = engine.begin("pay", 1);
    Branch* orders = co_await engine.enlist(*txn_, c_->orders());
    std::vector<std::string> lock;
    lock.push_back("SELECT order FOR UPDATE");
    co_await engine.run(*txn_, *orders, std::move(lock));
    Branch* payments = co_await engine.enlist(*txn_, c_->payments());
    payments->final_statements.push_back("UPDATE accounts");
    co_await sleep_for(world_.clock, seconds(11));  // slower than the 10 s deadline
    co_await engine.commit(*txn_);
  };
  auto paid = world_.spawn(flow());
  world_.advance(seconds(12), milliseconds(500));
  ASSERT_TRUE(paid->done);
  EXPECT_TRUE(threw<DeadlineExceeded>(paid));
  EXPECT_EQ(txn_->state(), TxnState::kAborted);
  EXPECT_EQ(world_.orders.count("XA PREPARE") + world_.payments.count("XA PREPARE"), 0u);
  expect_committed_on_neither();
}

TEST_F(EngineTest, DeadlineInterruptsAStatementStuckBeforePrepare) {
  world_.orders.hang_next("SELECT order");  // behind another transaction's row lock
  auto paid = start_pay();
  world_.advance(seconds(11), milliseconds(500));
  ASSERT_TRUE(paid->done);
  EXPECT_TRUE(threw<DeadlineExceeded>(paid));
  EXPECT_EQ(world_.orders.count("KILL QUERY"), 1u);
  EXPECT_EQ(txn_->state(), TxnState::kAborted);
  expect_committed_on_neither();
}

TEST_F(EngineTest, DeadlineInterruptsAPrepareAndRollsBackTheOtherPreparedBranch) {
  world_.payments.hang_next("UPDATE accounts");
  auto paid = start_pay();
  world_.settle();
  EXPECT_EQ(world_.orders.prepared().size(), 1u);  // orders prepared, payments stuck
  world_.advance(seconds(11), milliseconds(500));
  ASSERT_TRUE(paid->done);
  EXPECT_TRUE(threw<DeadlineExceeded>(paid));
  EXPECT_TRUE(world_.orders.rolled_back().contains(xid_of(*txn_, "orders")));
  expect_committed_on_neither();
}

TEST_F(EngineTest, DeadlineAfterTheDecisionChangesNothing) {
  c_->store().hold_durability();
  auto paid = start_pay();
  world_.settle();
  world_.advance(seconds(11), milliseconds(500));  // the fsync is slow, past the deadline
  EXPECT_FALSE(paid->done);
  c_->store().make_durable();
  world_.settle();
  ASSERT_TRUE(paid->done);
  EXPECT_FALSE(paid->error);
  expect_committed_on_both();
}

// Issue 13, finding 3: a one-phase commit whose answer is lost may have committed.
asio::awaitable<void> cancel_pending(FakeCoordinator* c, FakeServer* orders, bool with_probe,
                                     std::shared_ptr<Transaction>* out) {
  TwoPhaseCommit& engine = c->engine();
  auto txn = engine.begin("cancel", 1);
  *out = txn;
  std::exception_ptr failure;
  try {
    Branch* branch = co_await engine.enlist(*txn, c->orders());
    std::vector<std::string> lock;
    lock.push_back("SELECT order FOR UPDATE");
    co_await engine.run(*txn, *branch, std::move(lock));
    branch->final_statements.push_back("UPDATE orders SET status = 'CANCELLED'");
    if (with_probe) {
      // What the order row would say: here, what the fake server did with the xid.
      Xid xid = branch->xid;
      branch->one_phase_probe = OnePhaseProbe{
          "SELECT cancel_txn_id FROM orders",
          [orders, xid](const db::Rows&) { return orders->committed().contains(xid); }};
    }
    co_await engine.commit(*txn);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    co_await engine.rollback(*txn, "the test's cancel failed");
    std::rethrow_exception(failure);
  }
}

TEST_F(EngineTest, AOnePhaseCommitWhoseAnswerIsLostIsReadBackAndReportedCommitted) {
  world_.orders.lose_answer_of_next("XA COMMIT");  // it commits, then the session goes
  auto cancelled = world_.spawn(cancel_pending(c_, &world_.orders, true, &txn_));
  world_.advance(seconds(1));
  ASSERT_TRUE(cancelled->done);
  EXPECT_FALSE(cancelled->error) << describe(cancelled->error);
  EXPECT_EQ(txn_->state(), TxnState::kCommitted);
  EXPECT_TRUE(world_.orders.committed().contains(xid_of(*txn_, "orders")));
}

TEST_F(EngineTest, AOnePhaseCommitLostBeforeItRanIsReportedNotCommitted) {
  world_.orders.fail_next("UPDATE orders", db::ErrorKind::kConnectionLost);
  auto cancelled = world_.spawn(cancel_pending(c_, &world_.orders, true, &txn_));
  world_.advance(seconds(1));
  ASSERT_TRUE(cancelled->done);
  EXPECT_EQ(db_error_kind(cancelled), db::ErrorKind::kConnectionLost);
  EXPECT_EQ(txn_->state(), TxnState::kAborted);
  EXPECT_FALSE(world_.orders.committed().contains(xid_of(*txn_, "orders")));
}

TEST_F(EngineTest, AOnePhaseCommitWhoseOutcomeCannotBeReadIsUnknownNotNothingChanged) {
  world_.orders.lose_answer_of_next("XA COMMIT",
                                    /*then_down=*/true);  // gone before it can be asked
  auto cancelled = world_.spawn(cancel_pending(c_, &world_.orders, true, &txn_));
  world_.advance(seconds(20), milliseconds(200));
  ASSERT_TRUE(cancelled->done);
  EXPECT_TRUE(threw<OutcomeUnknown>(cancelled)) << describe(cancelled->error);
}

// The fake world's teardown: a timer's callback can own a suspended coroutine bound to the
// world's io_context, so ~FakeWorld drops every waiting callback, unrun, while that
// io_context still exists (the ASan build found them destroyed after it; docs/reliability.md).
TEST(ManualClockTest, DroppedWaitersAreDestroyedAtOnceAndNeverRun) {
  FakeWorld world;
  auto timer = world.clock.make_timer(world.io().get_executor());
  auto owned = std::make_shared<int>(0);
  std::weak_ptr<int> alive = owned;
  bool ran = false;
  timer->wait_until(world.clock.now() + seconds(1),
                    [owned = std::move(owned), &ran](bool) { ran = true; });
  ASSERT_EQ(world.clock.waiting(), 1u);
  ASSERT_FALSE(alive.expired());

  world.clock.drop_waiters();
  EXPECT_TRUE(alive.expired()) << "the callback (and what it owns) outlived drop_waiters";
  EXPECT_EQ(world.clock.waiting(), 0u);
  world.advance(seconds(2));
  timer->cancel();  // disarmed: nothing left to cancel or to post
  world.settle();
  EXPECT_FALSE(ran) << "a dropped waiter ran";
}

// Every crash point of docs/recovery.md: the process dies there, the next one recovers.
struct CrashCase {
  CrashPoint point;
  bool committed;  // what recovery must end it as
  bool abort_path;
};

class CrashPointTest : public EngineTest, public ::testing::WithParamInterface<CrashCase> {};

TEST_P(CrashPointTest, TheNextProcessEndsTheTransactionAsTheTableSays) {
  const CrashCase& c = GetParam();
  bool crashed = false;
  set_crash_hook([&](CrashPoint reached) {
    if (reached != c.point || crashed) return;
    crashed = true;
    c_->crash();
  });
  if (c.abort_path) world_.payments.fail_next("UPDATE accounts", db::ErrorKind::kConstraint);
  auto paid = start_pay();
  world_.settle();
  set_crash_hook({});
  ASSERT_TRUE(crashed) << name_of(c.point) << " was never reached";

  FakeCoordinator& next = world_.start();
  auto recovered = world_.spawn(next.resolver().recover_at_startup());
  world_.advance(seconds(2));
  ASSERT_TRUE(recovered->done);
  EXPECT_FALSE(recovered->error);
  if (c.committed) {
    expect_committed_on_both();
  } else {
    expect_committed_on_neither();
  }
  EXPECT_EQ(next.resolver().pending(), 0u);
}

INSTANTIATE_TEST_SUITE_P(EveryPoint, CrashPointTest,
                         ::testing::Values(CrashCase{CrashPoint::kBeforePrepare, false, false},
                                           CrashCase{CrashPoint::kAfterPrepareFirst, false, false},
                                           CrashCase{CrashPoint::kAfterPrepareAll, false, false},
                                           CrashCase{CrashPoint::kAfterDecisionLogged, true, false},
                                           CrashCase{CrashPoint::kAfterCommitFirst, true, false},
                                           CrashCase{CrashPoint::kAfterCommitAll, true, false},
                                           CrashCase{CrashPoint::kBeforeRollback, false, true},
                                           CrashCase{CrashPoint::kAfterRollbackFirst, false, true}),
                         [](const auto& info) { return std::string(name_of(info.param.point)); });

}  // namespace
}  // namespace xacoord::test
