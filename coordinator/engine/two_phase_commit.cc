// Two-phase commit over XA, presumed abort.
//
//   Phase one   every branch runs its final statements, XA END and XA PREPARE, all
//               branches at once, each on the session that holds it.
//   Decision    only if every branch prepared (and the deadline has not passed): the
//               commit decision is written to the decision store and made durable. This
//               is the point of no return. No record means abort, so aborts are never
//               recorded.
//   Phase two   XA COMMIT on every branch, all at once. A branch that cannot be committed
//               on its own session goes to recovery, which retries from a fresh session
//               until the server confirms: a commit decision never turns into a rollback.
//   Finished    once every branch is committed, the store is told it may forget the
//               transaction (transaction_table.cc; it needs no wait of its own).
//
// Any failure before the decision rolls back every branch. So does the deadline: a
// transaction that has not decided by then has the statements it still runs interrupted
// (KILL QUERY), so a slow branch never keeps the others' locks past it. A transaction
// with a single branch skips the protocol: XA COMMIT ... ONE PHASE lets that server
// decide alone.
//
// Everything here runs on the coordinator's io_context thread; statements run on the
// branches' sessions (participants/session.h) and their results come back here. Every
// state change of the transaction goes through its state machine (transaction.h).
#include "coordinator/engine/two_phase_commit.h"

#include <algorithm>

#include "common/check.h"
#include "common/errors.h"
#include "common/crash_points.h"
#include "coordinator/observability/event_log.h"
#include "participants/db_error.h"
#include "participants/server_session.h"
#include "participants/xa_sql.h"

namespace xacoord {

namespace asio = boost::asio;

namespace {

// How well an error explains a failed phase: the data's refusal (a constraint, a
// duplicate) tells the client most, a lost session least.
int rank_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const db::DbError& d) {
    switch (d.kind()) {
      case db::ErrorKind::kConstraint:
      case db::ErrorKind::kDuplicate:
        return 4;
      case db::ErrorKind::kLockTimeout:
      case db::ErrorKind::kDeadlock:
      case db::ErrorKind::kRolledBack:
        return 3;
      default:
        return 2;
    }
  } catch (...) {
    return 1;
  }
}

std::exception_ptr most_telling(const std::vector<std::exception_ptr>& errors) {
  std::exception_ptr best;
  for (const auto& e : errors) {
    if (e && (!best || rank_of(e) > rank_of(best))) best = e;
  }
  return best;
}

// The session went away (or stopped answering) while it ran the branch's statements: the
// server may or may not hold the branch prepared. A session that could not even be opened
// sent nothing, so it prepared nothing.
bool lost_session(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const db::DbError& d) {
    return d.connection_unusable() && !d.no_session();
  } catch (...) {
    return false;
  }
}

}  // namespace

TwoPhaseCommit::TwoPhaseCommit(TransactionTable& table, DecisionStore& store,
                               PhaseTwoHandoff& handoff, CoordinatorMetrics& metrics, Clock& clock,
                               Options options)
    : table_(table),
      store_(store),
      handoff_(handoff),
      metrics_(metrics),
      clock_(clock),
      options_(std::move(options)) {
  table_.set_node_id(options_.node_id);
}

std::shared_ptr<Transaction> TwoPhaseCommit::begin(std::string kind,
                                                   std::optional<std::int64_t> order_id) {
  return table_.begin(std::move(kind), order_id, options_.deadline);
}

asio::awaitable<Branch*> TwoPhaseCommit::enlist(Transaction& txn, db::Pool& pool) {
  check_deadline(txn);
  if (!txn.watchdog) watch_deadline(txn, co_await asio::this_coro::executor);
  db::Lease lease = co_await pool.acquire(txn.deadline());
  Branch& branch = txn.branches().emplace_back();
  branch.participant = pool.participant();
  branch.xid = branch_xid(txn.id(), pool.participant());
  branch.pool = &pool;
  branch.lease = std::move(lease);
  co_return &branch;
}

asio::awaitable<db::Results> TwoPhaseCommit::run(Transaction& txn, Branch& branch,
                                                 std::vector<std::string> statements) {
  check_deadline(txn);
  const bool starting = !branch.started;
  if (starting) statements.insert(statements.begin(), db::xa::start(branch.xid));
  tag(statements);
  // Set before the round trip: if XA START fails, rollback must still clean the session.
  branch.started = true;
  branch.busy = true;
  db::Results results;
  std::exception_ptr failure;
  try {
    results = co_await branch.lease.session().batch(std::move(statements));
  } catch (...) {
    failure = std::current_exception();
  }
  branch.busy = false;
  if (failure) {
    throw_if_interrupted(txn);
    std::rethrow_exception(failure);
  }
  if (starting) results.erase(results.begin());
  co_return results;
}

asio::awaitable<void> TwoPhaseCommit::commit(Transaction& txn) {
  XA_CHECK(!txn.branches().empty(), "commit of " + txn.id_text() + " without a branch");
  if (txn.branches().size() == 1) {
    co_await commit_one_phase(txn);
    co_return;
  }
  co_await prepare_all(txn);
  co_await record_decision(txn);
  co_await commit_all(txn);
}

asio::awaitable<void> TwoPhaseCommit::step(const Transaction& txn, CrashPoint point) {
  if (options_.at_step) co_await options_.at_step(txn, point);
}

// Phase one. Throws, after rolling everything back, if any branch fails to prepare.
asio::awaitable<void> TwoPhaseCommit::prepare_all(Transaction& txn) {
  if (clock_.now() > txn.deadline()) {
    co_await rollback(txn, "deadline passed before prepare");
    throw DeadlineExceeded("transaction " + txn.id_text() + " passed its deadline before prepare");
  }
  txn.start_prepare();
  const auto began = clock_.now();
  crash_point(CrashPoint::kBeforePrepare);
  co_await step(txn, CrashPoint::kBeforePrepare);

  std::vector<db::SessionJob> jobs;
  for (Branch& b : txn.branches()) {
    std::vector<std::string> statements = std::move(b.final_statements);
    if (!b.started) statements.insert(statements.begin(), db::xa::start(b.xid));
    statements.push_back(db::xa::end(b.xid));
    statements.push_back(db::xa::prepare(b.xid));
    tag(statements);
    b.started = true;
    b.busy = true;
    jobs.push_back({&b.lease.session(), std::move(statements)});
  }
  bool any_prepared = false;
  auto errors =
      co_await db::run_parallel(std::move(jobs), [&](std::size_t i, std::exception_ptr error) {
        txn.branches()[i].busy = false;
        if (error) return;
        txn.branch_prepared(i);
        if (!any_prepared) {
          any_prepared = true;
          crash_point(CrashPoint::kAfterPrepareFirst);
        }
      });
  metrics_.phase("prepare", clock_.now() - began);

  if (auto error = most_telling(errors)) {
    for (std::size_t i = 0; i < errors.size(); ++i) {
      if (errors[i] && lost_session(errors[i])) {
        txn.branches()[i].maybe_prepared = true;  // the server may hold it prepared
        abandon(txn.branches()[i]);
      }
    }
    // A named string: with the conditional expression written inside the co_await, g++ 12
    // handed rollback() an already freed string (STYLE.md, "Coroutines").
    std::string reason =
        txn.deadline_interrupted ? "deadline passed during prepare" : describe(error);
    co_await rollback(txn, std::move(reason));
    throw_if_interrupted(txn);
    std::rethrow_exception(error);
  }
  crash_point(CrashPoint::kAfterPrepareAll);
  co_await step(txn, CrashPoint::kAfterPrepareAll);
  if (clock_.now() > txn.deadline()) {
    co_await rollback(txn, "deadline passed during prepare");
    throw DeadlineExceeded("transaction " + txn.id_text() + " passed its deadline during prepare");
  }
}

// The decision: durable before any XA COMMIT goes out and before any client hears of it.
asio::awaitable<void> TwoPhaseCommit::record_decision(Transaction& txn) {
  const auto began = clock_.now();
  if (!options_.may_decide()) {
    co_await rollback(txn, "this coordinator's ownership of its node id is not confirmed");
    throw DecisionNotRecorded("node " + options_.node_id +
                              " could not confirm its ownership on every database recently: "
                              "it decides nothing until it does");
  }
  CommitDecision decision{txn.id_text(), unix_ms(clock_.wall_now()), {}};
  for (const auto& b : txn.branches())
    decision.branches.push_back({b.participant, b.xid});
  bool recorded = false;
  try {
    recorded = co_await store_.record_commit(std::move(decision));
  } catch (const DecisionOutcomeUnknown& e) {
    // Neither rollback nor commit is safe, nor any answer: stop here, branches prepared.
    XA_CHECK(static_cast<bool>(options_.outcome_unknown),
             "the decision store could not settle " + txn.id_text() + ": " + e.what());
    options_.outcome_unknown(txn.id_text(), e.what());
    XA_CHECK(false, "outcome_unknown returned for " + txn.id_text());
  }
  metrics_.phase("decision", clock_.now() - began);
  if (!recorded) {
    // The store says it never will hold this decision: the transaction is undecided, and
    // presumed abort makes that a rollback.
    co_await rollback(txn, "the decision store refused the commit decision");
    throw DecisionNotRecorded("the decision store refused the commit decision of " + txn.id_text());
  }
  txn.decide_commit(clock_.wall_now(), /*recorded=*/true);
  crash_point(CrashPoint::kAfterDecisionLogged);
  co_await step(txn, CrashPoint::kAfterDecisionLogged);
}

// Phase two. Never fails: what cannot finish here, recovery finishes.
asio::awaitable<void> TwoPhaseCommit::commit_all(Transaction& txn) {
  const auto began = clock_.now();
  std::vector<db::SessionJob> jobs;
  for (Branch& b : txn.branches()) {
    std::vector<std::string> statements;
    statements.push_back(db::xa::commit(b.xid));
    jobs.push_back({&b.lease.session(), std::move(statements)});
  }
  bool any_committed = false;
  auto errors =
      co_await db::run_parallel(std::move(jobs), [&](std::size_t i, std::exception_ptr error) {
        if (error) return;
        txn.branch_done(i, BranchState::kCommitted);
        if (!any_committed) {
          any_committed = true;
          crash_point(CrashPoint::kAfterCommitFirst);
        }
      });
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (!errors[i]) continue;
    Branch& b = txn.branches()[i];
    b.last_error = describe(errors[i]);
    // Close the session first: on MariaDB only the preparing session can finish the
    // branch while it is connected.
    abandon(b);
    handoff_.finish_later(txn.shared_from_this(), i);
  }
  metrics_.phase("commit", clock_.now() - began);
  crash_point(CrashPoint::kAfterCommitAll);
  co_await step(txn, CrashPoint::kAfterCommitAll);
  release(txn);
}

asio::awaitable<void> TwoPhaseCommit::commit_one_phase(Transaction& txn) {
  if (!options_.may_decide()) {
    co_await rollback(txn, "this coordinator's ownership of its node id is not confirmed");
    throw DecisionNotRecorded("node " + options_.node_id +
                              " could not confirm its ownership on every database recently");
  }
  if (clock_.now() > txn.deadline()) {
    co_await rollback(txn, "deadline passed before commit");
    throw DeadlineExceeded("transaction " + txn.id_text() + " passed its deadline before commit");
  }
  Branch& b = txn.branches().front();
  std::vector<std::string> statements = std::move(b.final_statements);
  if (!b.started) statements.insert(statements.begin(), db::xa::start(b.xid));
  statements.push_back(db::xa::end(b.xid));
  statements.push_back(db::xa::commit_one_phase(b.xid));
  tag(statements);
  b.started = true;
  const auto began = clock_.now();
  std::exception_ptr failure;
  b.busy = true;
  try {
    co_await b.lease.session().batch(std::move(statements));
  } catch (...) {
    failure = std::current_exception();
  }
  b.busy = false;
  metrics_.phase("commit", clock_.now() - began);
  if (failure) {
    // A session lost during the one-phase commit (or a statement of it interrupted by the
    // deadline) leaves its outcome unknown: the server may have committed. Read it back
    // before answering; never report "nothing changed" for a commit that happened.
    const bool ambiguous = lost_session(failure) || txn.deadline_interrupted;
    if (lost_session(failure)) {
      b.maybe_prepared = true;
      abandon(b);
    }
    std::optional<bool> committed;
    if (ambiguous && b.one_phase_probe) committed = co_await settle_one_phase(txn, b);
    if (committed == true) {
      log_event("one_phase_commit_read_back", {{"txn_id", txn.id_text()}, {"committed", true}});
      txn.decide_commit(clock_.wall_now(), /*recorded=*/false);
      txn.branch_done(0, BranchState::kCommitted);
      release(txn);
      co_return;
    }
    if (ambiguous && b.one_phase_probe && !committed) {
      co_await rollback(txn, "the outcome of the one-phase commit could not be read back");
      throw OutcomeUnknown("transaction " + txn.id_text() +
                           ": the session was lost during the commit and the database could "
                           "not tell whether it happened; retry with the same Idempotency-Key");
    }
    std::string reason =
        txn.deadline_interrupted ? "deadline passed before commit" : describe(failure);
    co_await rollback(txn, std::move(reason));
    throw_if_interrupted(txn);
    std::rethrow_exception(failure);
  }
  txn.decide_commit(clock_.wall_now(), /*recorded=*/false);
  txn.branch_done(0, BranchState::kCommitted);
  release(txn);
}

asio::awaitable<std::optional<bool>> TwoPhaseCommit::settle_one_phase(Transaction& txn, Branch& b) {
  // Bounded: a few seconds past the deadline, then the client hears "unknown".
  const auto until = std::max(txn.deadline(), clock_.now()) + std::chrono::seconds(5);
  db::Session& session = b.lease.session();  // reconnects: the old connection is gone
  for (;;) {
    bool answered = false;
    bool committed = false;
    try {
      // The abandoned connection first: until it is gone, the server may still run it.
      if (co_await db::end_session(session, b.abandoned, std::chrono::seconds(2), clock_)) {
        db::Rows listed = co_await db::query(session, db::xa::recover());
        auto xids = db::xa::parse_recover(listed);
        if (std::find(xids.begin(), xids.end(), b.xid) != xids.end()) {
          // Prepared and not committed (the commit was cut short): no decision, roll back.
          co_await db::execute(session, db::xa::rollback(b.xid));
          co_return false;
        }
        db::Rows rows = co_await db::query(session, b.one_phase_probe->statement);
        committed = b.one_phase_probe->committed(rows);
        answered = true;
      }
    } catch (const db::DbError& e) {
      log_event("one_phase_read_back_failed", {{"txn_id", txn.id_text()}, {"error", e.what()}});
    }
    if (answered) co_return committed;
    if (clock_.now() >= until) co_return std::nullopt;
    co_await sleep_for(clock_, std::chrono::milliseconds(100));
  }
}

asio::awaitable<void> TwoPhaseCommit::rollback(Transaction& txn, std::string reason) {
  if (is_decided(txn.state())) co_return;
  const auto began = clock_.now();
  txn.decide_abort(std::move(reason), clock_.wall_now());
  crash_point(CrashPoint::kBeforeRollback);

  std::vector<db::SessionJob> jobs;
  std::vector<std::size_t> indexes;
  std::vector<std::size_t> after_their_sessions;
  for (std::size_t i = 0; i < txn.branches().size(); ++i) {
    Branch& b = txn.branches()[i];
    if (!b.started) {
      b.state = BranchState::kRolledBack;  // nothing reached its server
      continue;
    }
    if (b.maybe_prepared && b.abandoned) {
      // Its session was lost mid-batch, and the server may still be running that batch
      // (a statement waiting for a row lock, or a batch still unread in a paused server's
      // socket) and prepare the branch after a rollback sent now from a new connection.
      // The phase-two retry ends that session by id first, then rolls back, and trusts
      // XA RECOVER only once the session is gone (docs/recovery.md, "Abandoned sessions").
      after_their_sessions.push_back(i);
      continue;
    }
    std::vector<std::string> statements;
    if (b.state == BranchState::kActive && !b.maybe_prepared)
      statements.push_back(db::xa::end(b.xid));
    statements.push_back(db::xa::rollback(b.xid));
    jobs.push_back({&b.lease.session(), std::move(statements)});
    indexes.push_back(i);
  }
  bool any_rolled_back = false;
  auto errors =
      co_await db::run_parallel(std::move(jobs), [&](std::size_t, std::exception_ptr error) {
        if (!error && !any_rolled_back) {
          any_rolled_back = true;
          crash_point(CrashPoint::kAfterRollbackFirst);
        }
      });
  for (std::size_t j = 0; j < indexes.size(); ++j) {
    const std::size_t i = indexes[j];
    Branch& b = txn.branches()[i];
    if (!errors[j]) {
      txn.branch_done(i, BranchState::kRolledBack);
      continue;
    }
    b.last_error = describe(errors[j]);
    abandon(b);
    if (b.state == BranchState::kPrepared || b.maybe_prepared) {
      // Prepared branches survive their session: recovery must roll them back.
      handoff_.finish_later(txn.shared_from_this(), i);
    } else {
      txn.branch_done(i, BranchState::kRolledBack);  // closing the session rolls it back
    }
  }
  for (std::size_t i : after_their_sessions)
    handoff_.finish_later(txn.shared_from_this(), i);
  metrics_.phase("rollback", clock_.now() - began);
  release(txn);
}

// The branch's session is given up: closed here, remembered for recovery (which ends it on
// the server too: the server may not have noticed, and may still run what it was sent).
void TwoPhaseCommit::abandon(Branch& b) {
  if (!b.abandoned) b.abandoned = b.lease.session().last_server_session();
  b.lease.discard_session();
}

// Marks each statement with this node's session marker (session_marker in
// two_phase_commit.h): if the coordinator dies while a server still runs a batch of its
// (a session waiting for a lock does not notice its client is gone), the next start finds
// that session by the marker and kills it before it can prepare a branch behind
// recovery's back.
void TwoPhaseCommit::tag(std::vector<std::string>& statements) const {
  const std::string marker = session_marker(options_.node_id);
  for (auto& s : statements)
    s.insert(0, marker);
}

void TwoPhaseCommit::check_deadline(const Transaction& txn) const {
  if (clock_.now() > txn.deadline()) {
    throw DeadlineExceeded("transaction " + txn.id_text() + " passed its deadline");
  }
}

void TwoPhaseCommit::throw_if_interrupted(const Transaction& txn) const {
  if (txn.deadline_interrupted) {
    throw DeadlineExceeded("transaction " + txn.id_text() +
                           " passed its deadline before its decision");
  }
}

// The deadline, enforced while statements run: without it, a branch stuck behind a lock
// or a slow server would keep every other branch's locks (prepared ones included) until
// its own lock wait or read timeout ends. Interrupted statements fail, and the failure
// takes the usual way: every branch is rolled back.
void TwoPhaseCommit::watch_deadline(Transaction& txn, const asio::any_io_executor& executor) {
  txn.watchdog = clock_.make_timer(executor);
  txn.watchdog->wait_until(txn.deadline(), [weak = txn.weak_from_this()](bool fired) {
    auto txn = weak.lock();
    if (!fired || !txn) return;
    // Decided transactions finish whatever the clock says.
    if (txn->state() != TxnState::kActive && txn->state() != TxnState::kPreparing) return;
    std::size_t interrupted = 0;
    for (auto& b : txn->branches()) {
      if (!b.busy || !b.pool || !b.lease) continue;
      b.pool->interrupt(b.lease.session());
      ++interrupted;
    }
    if (interrupted == 0) return;  // the next step's own deadline check ends it
    txn->deadline_interrupted = true;
    log_event("deadline_interrupt",
              {{"txn_id", txn->id_text()}, {"statements_interrupted", interrupted}});
  });
}

// The engine lets go: sessions back to their pools, the watchdog off. The transaction
// finishes now, or when recovery confirms the branches it was handed.
void TwoPhaseCommit::release(Transaction& txn) {
  if (txn.watchdog) {
    txn.watchdog->cancel();
    txn.watchdog.reset();
  }
  for (auto& b : txn.branches())
    b.lease.release();
  txn.release_from_engine();
}

}  // namespace xacoord
