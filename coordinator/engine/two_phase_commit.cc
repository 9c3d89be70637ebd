// Two-phase commit over XA, presumed abort.
//
//   Phase one   every branch runs its last statements, XA END and XA PREPARE, all
//               branches at once, each on the session that holds it.
//   Decision    only if every branch prepared (and the deadline has not passed): the
//               commit decision is appended to the decision log and fsynced. This is the
//               point of no return. No record means abort, so aborts are never logged.
//   Phase two   XA COMMIT on every branch, all at once. A branch that cannot be committed
//               on its own session goes to recovery, which retries from a fresh session
//               until the server confirms: a commit decision never turns into a rollback.
//   Finished    once every branch is committed, a FINISHED record lets the log forget
//               the transaction (it needs no fsync of its own).
//
// Any failure before the decision rolls back every branch. So does the deadline: a
// transaction that has not decided by then has the statements it still runs interrupted
// (KILL QUERY), so a slow branch never keeps the others' locks past it. A transaction
// with a single branch skips the protocol: XA COMMIT ... ONE PHASE lets that server
// decide alone.
//
// Everything here runs on the coordinator's io_context thread; statements run on the
// branches' lanes (participants/lane.h) and their results come back here.
#include "coordinator/engine/two_phase_commit.h"

#include <cstdio>
#include <cstdlib>

#include <boost/asio/use_awaitable.hpp>

#include "coordinator/engine/crash_points.h"
#include "coordinator/observability/event_log.h"
#include "participants/db_error.h"
#include "participants/lane.h"

namespace xacoord {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

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

std::int64_t unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

TwoPhaseCommit::TwoPhaseCommit(dlog::DecisionLog& log, TxnRegistry& registry,
                               PhaseTwoHandoff& handoff, CoordinatorMetrics& metrics,
                               Options options)
    : log_(log),
      registry_(registry),
      handoff_(handoff),
      metrics_(metrics),
      options_(std::move(options)) {}

std::shared_ptr<Transaction> TwoPhaseCommit::begin(std::string kind,
                                                   std::optional<std::int64_t> order_id) {
  auto txn = std::make_shared<Transaction>();
  txn->id = TxnId{options_.node_id, log_.epoch(), next_seq_++};
  txn->id_text = txn->id.to_string();
  txn->kind = std::move(kind);
  txn->order_id = order_id;
  txn->started_at = std::chrono::system_clock::now();
  txn->began = Clock::now();
  txn->deadline = txn->began + options_.deadline;
  registry_.add(txn);
  ++in_flight_;
  return txn;
}

asio::awaitable<Branch*> TwoPhaseCommit::enlist(Transaction& txn, db::Pool& pool) {
  check_deadline(txn);
  if (!txn.watchdog) watch_deadline(txn, co_await asio::this_coro::executor);
  db::Lease lease = co_await pool.acquire(txn.deadline);
  Branch& branch = txn.branches.emplace_back();
  branch.participant = pool.participant();
  branch.xid = branch_xid(txn.id, pool.participant());
  branch.pool = &pool;
  branch.lease = std::move(lease);
  co_return &branch;
}

asio::awaitable<Results> TwoPhaseCommit::run(Transaction& txn, Branch& branch,
                                             std::vector<std::string> statements) {
  check_deadline(txn);
  const bool starting = !branch.started;
  if (starting) {
    statements.insert(statements.begin(), options_.unsafe_no_2pc
                                              ? "START TRANSACTION"
                                              : "XA START " + branch.xid.to_sql());
  }
  tag(statements);
  // Set before the round trip: if XA START fails, rollback must still clean the session.
  branch.started = true;
  branch.busy = true;
  Results results;
  std::exception_ptr failure;
  try {
    results = co_await db::run_on(branch.lease.lane(),
                                  [&statements](db::Connection& c) { return c.batch(statements); });
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

asio::awaitable<void> TwoPhaseCommit::commit(Transaction& txn,
                                             std::vector<std::vector<std::string>> last) {
  if (last.size() != txn.branches.size()) {
    std::fprintf(stderr, "FATAL: commit of %s with %zu statement lists for %zu branches\n",
                 txn.id_text.c_str(), last.size(), txn.branches.size());
    std::abort();
  }
  if (options_.unsafe_no_2pc) {
    co_await commit_unsafe(txn, last);
    co_return;
  }
  if (txn.branches.size() == 1) {
    co_await commit_one_phase(txn, std::move(last[0]));
    co_return;
  }
  co_await prepare_all(txn, last);
  co_await log_decision(txn);
  co_await commit_all(txn);
}

// Phase one. Throws, after rolling everything back, if any branch fails to prepare.
asio::awaitable<void> TwoPhaseCommit::prepare_all(Transaction& txn,
                                                  std::vector<std::vector<std::string>>& last) {
  if (Clock::now() > txn.deadline) {
    co_await rollback(txn, "deadline passed before prepare");
    throw DeadlineExceeded("transaction " + txn.id_text + " passed its deadline before prepare");
  }
  txn.state = TxnState::kPreparing;
  const auto began = Clock::now();
  crash_point(CrashPoint::kBeforePrepare);

  std::vector<db::LaneJob> jobs;
  for (std::size_t i = 0; i < txn.branches.size(); ++i) {
    Branch& b = txn.branches[i];
    auto& statements = last[i];
    if (!b.started) statements.insert(statements.begin(), "XA START " + b.xid.to_sql());
    statements.push_back("XA END " + b.xid.to_sql());
    statements.push_back("XA PREPARE " + b.xid.to_sql());
    tag(statements);
    b.started = true;
    b.busy = true;
    jobs.push_back({&b.lease.lane(), [&statements](db::Connection& c) { c.batch(statements); }});
  }
  bool any_prepared = false;
  auto errors =
      co_await db::run_parallel(std::move(jobs), [&](std::size_t i, std::exception_ptr error) {
        txn.branches[i].busy = false;
        if (error) return;
        txn.branches[i].state = BranchState::kPrepared;
        if (!any_prepared) {
          any_prepared = true;
          crash_point(CrashPoint::kAfterPrepareFirst);
        }
      });
  metrics_.phase("prepare", Clock::now() - began);

  if (auto error = most_telling(errors)) {
    for (std::size_t i = 0; i < errors.size(); ++i) {
      if (errors[i] && lost_session(errors[i])) txn.branches[i].maybe_prepared = true;
    }
    // A named string: with the conditional expression written inside the co_await, g++ 12
    // handed rollback() an already freed string (garbage in the transaction's error).
    std::string reason =
        txn.deadline_interrupted ? "deadline passed during prepare" : describe(error);
    co_await rollback(txn, std::move(reason));
    throw_if_interrupted(txn);
    std::rethrow_exception(error);
  }
  crash_point(CrashPoint::kAfterPrepareAll);
  if (Clock::now() > txn.deadline) {
    co_await rollback(txn, "deadline passed during prepare");
    throw DeadlineExceeded("transaction " + txn.id_text + " passed its deadline during prepare");
  }
}

// The decision: durable before any XA COMMIT goes out and before any client hears of it.
asio::awaitable<void> TwoPhaseCommit::log_decision(Transaction& txn) {
  const auto began = Clock::now();
  CommitDecision decision{txn.id_text, unix_ms(std::chrono::system_clock::now()), {}};
  for (const auto& b : txn.branches)
    decision.branches.push_back({b.participant, b.xid});
  bool durable = co_await log_.async_append(std::move(decision), asio::use_awaitable);
  if (!durable) {
    // Only reachable when a test chose to survive a failed fsync (decision_log.h).
    std::fprintf(stderr, "FATAL: decision of %s is not durable\n", txn.id_text.c_str());
    std::abort();
  }
  txn.state = TxnState::kCommitting;
  txn.decided_at = std::chrono::system_clock::now();
  metrics_.phase("decision", Clock::now() - began);
  crash_point(CrashPoint::kAfterDecisionLogged);
}

// Phase two. Never fails: what cannot finish here, recovery finishes.
asio::awaitable<void> TwoPhaseCommit::commit_all(Transaction& txn) {
  const auto began = Clock::now();
  std::vector<std::string> statements;
  std::vector<db::LaneJob> jobs;
  for (auto& b : txn.branches)
    statements.push_back("XA COMMIT " + b.xid.to_sql());
  for (std::size_t i = 0; i < txn.branches.size(); ++i) {
    jobs.push_back({&txn.branches[i].lease.lane(),
                    [&statement = statements[i]](db::Connection& c) { c.execute(statement); }});
  }
  bool any_committed = false;
  auto errors =
      co_await db::run_parallel(std::move(jobs), [&](std::size_t i, std::exception_ptr error) {
        if (error) return;
        txn.branches[i].state = BranchState::kCommitted;
        if (!any_committed) {
          any_committed = true;
          crash_point(CrashPoint::kAfterCommitFirst);
        }
      });
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (!errors[i]) continue;
    // Close the session first: on MariaDB only the preparing session can finish the
    // branch while it is connected.
    txn.branches[i].lease.discard_session();
    handoff_.finish_later(txn.shared_from_this(), i, /*commit=*/true);
  }
  if (txn.phase_two_pending == 0) log_.append(FinishedRecord{txn.id_text});
  metrics_.phase("commit", Clock::now() - began);
  crash_point(CrashPoint::kAfterCommitAll);
  finish(txn);
}

asio::awaitable<void> TwoPhaseCommit::commit_one_phase(Transaction& txn,
                                                       std::vector<std::string> last) {
  if (Clock::now() > txn.deadline) {
    co_await rollback(txn, "deadline passed before commit");
    throw DeadlineExceeded("transaction " + txn.id_text + " passed its deadline before commit");
  }
  Branch& b = txn.branches.front();
  if (!b.started) last.insert(last.begin(), "XA START " + b.xid.to_sql());
  last.push_back("XA END " + b.xid.to_sql());
  last.push_back("XA COMMIT " + b.xid.to_sql() + " ONE PHASE");
  tag(last);
  b.started = true;
  const auto began = Clock::now();
  std::exception_ptr failure;
  b.busy = true;
  try {
    co_await db::run_on(b.lease.lane(), [&last](db::Connection& c) { c.batch(last); });
  } catch (...) {
    failure = std::current_exception();
  }
  b.busy = false;
  metrics_.phase("commit", Clock::now() - began);
  if (failure) {
    // A session lost during the one-phase commit leaves its outcome unknown to us; if the
    // server kept the branch prepared, recovery rolls it back (no decision was logged).
    if (lost_session(failure)) b.maybe_prepared = true;
    std::string reason =
        txn.deadline_interrupted ? "deadline passed before commit" : describe(failure);
    co_await rollback(txn, std::move(reason));
    throw_if_interrupted(txn);
    std::rethrow_exception(failure);
  }
  b.state = BranchState::kCommitted;
  txn.state = TxnState::kCommitting;
  txn.decided_at = std::chrono::system_clock::now();
  finish(txn);
}

asio::awaitable<void> TwoPhaseCommit::rollback(Transaction& txn, std::string reason) {
  if (is_decided(txn.state)) co_return;
  const auto began = Clock::now();
  txn.state = TxnState::kAborting;
  txn.error = std::move(reason);
  txn.decided_at = std::chrono::system_clock::now();
  crash_point(CrashPoint::kBeforeRollback);

  std::vector<std::vector<std::string>> statements;
  std::vector<std::size_t> indexes;
  for (std::size_t i = 0; i < txn.branches.size(); ++i) {
    Branch& b = txn.branches[i];
    if (!b.started || b.state == BranchState::kRolledBack) {
      b.state = BranchState::kRolledBack;
      continue;
    }
    const std::string xid = b.xid.to_sql();
    if (options_.unsafe_no_2pc) {
      statements.push_back({"ROLLBACK"});
    } else if (b.state == BranchState::kActive && !b.maybe_prepared) {
      statements.push_back({"XA END " + xid, "XA ROLLBACK " + xid});
    } else {
      statements.push_back({"XA ROLLBACK " + xid});
    }
    indexes.push_back(i);
  }
  std::vector<db::LaneJob> jobs;
  for (std::size_t j = 0; j < indexes.size(); ++j) {
    jobs.push_back({&txn.branches[indexes[j]].lease.lane(),
                    [&list = statements[j]](db::Connection& c) { c.batch(list); }});
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
    Branch& b = txn.branches[indexes[j]];
    if (!errors[j]) {
      b.state = BranchState::kRolledBack;
      continue;
    }
    b.lease.discard_session();
    if (b.state == BranchState::kPrepared || b.maybe_prepared) {
      // Prepared branches survive their session: recovery must roll them back.
      handoff_.finish_later(txn.shared_from_this(), indexes[j], /*commit=*/false);
    } else {
      b.state = BranchState::kRolledBack;  // closing the session rolls back the rest
    }
  }
  metrics_.phase("rollback", Clock::now() - began);
  finish(txn);
}

// Chaos baseline: each branch commits on its own, in order, with nothing to hold them
// together. A crash between the two commits leaves half a transaction behind.
asio::awaitable<void> TwoPhaseCommit::commit_unsafe(Transaction& txn,
                                                    std::vector<std::vector<std::string>>& last) {
  txn.state = TxnState::kPreparing;
  crash_point(CrashPoint::kBeforePrepare);
  std::exception_ptr half_done;
  for (std::size_t i = 0; i < txn.branches.size(); ++i) {
    Branch& b = txn.branches[i];
    auto& statements = last[i];
    if (!b.started) statements.insert(statements.begin(), "START TRANSACTION");
    statements.push_back("COMMIT");
    b.started = true;
    std::exception_ptr failure;
    try {
      co_await db::run_on(b.lease.lane(),
                          [&statements](db::Connection& c) { c.batch(statements); });
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure) {
      if (i == 0) {
        co_await rollback(txn, describe(failure));
        std::rethrow_exception(failure);
      }
      half_done = failure;  // the earlier branches stay committed: the anomaly 2PC prevents
      break;
    }
    b.state = BranchState::kCommitted;
    txn.state = TxnState::kCommitting;
    txn.decided_at = std::chrono::system_clock::now();
    if (i == 0) crash_point(CrashPoint::kAfterCommitFirst);
  }
  crash_point(CrashPoint::kAfterCommitAll);
  finish(txn);
  if (half_done) std::rethrow_exception(half_done);
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
  if (Clock::now() > txn.deadline) {
    throw DeadlineExceeded("transaction " + txn.id_text + " passed its deadline");
  }
}

void TwoPhaseCommit::throw_if_interrupted(const Transaction& txn) const {
  if (txn.deadline_interrupted) {
    throw DeadlineExceeded("transaction " + txn.id_text +
                           " passed its deadline before its decision");
  }
}

// The deadline, enforced while statements run: without it, a branch stuck behind a lock
// or a slow server would keep every other branch's locks (prepared ones included) until
// its own lock wait or read timeout ends. Interrupted statements fail, and the failure
// takes the usual way: every branch is rolled back.
void TwoPhaseCommit::watch_deadline(Transaction& txn, const asio::any_io_executor& executor) {
  txn.watchdog = std::make_shared<asio::steady_timer>(executor, txn.deadline);
  txn.watchdog->async_wait(
      [this, weak = txn.weak_from_this()](const boost::system::error_code& ec) {
        auto txn = weak.lock();
        if (ec || !txn) return;
        // Decided transactions finish whatever the clock says.
        if (txn->state != TxnState::kActive && txn->state != TxnState::kPreparing) return;
        std::size_t interrupted = 0;
        for (auto& b : txn->branches) {
          if (!b.busy || !b.pool || !b.lease) continue;
          b.pool->interrupt(b.lease.lane());
          ++interrupted;
        }
        if (interrupted == 0) return;  // the next step's own deadline check ends it
        txn->deadline_interrupted = true;
        log_event("deadline_interrupt",
                  {{"txn_id", txn->id_text}, {"statements_interrupted", interrupted}});
      });
}

void TwoPhaseCommit::finish(Transaction& txn) {
  if (txn.watchdog) {
    txn.watchdog->cancel();
    txn.watchdog.reset();
  }
  for (auto& b : txn.branches)
    b.lease.release();
  --in_flight_;
  if (txn.phase_two_pending > 0) return;  // recovery finishes it (recovery/resolver.cc)
  txn.state = txn.state == TxnState::kCommitting ? TxnState::kCommitted : TxnState::kAborted;
  registry_.finished(txn.shared_from_this());
  metrics_.transaction_finished(txn.kind,
                                txn.state == TxnState::kCommitted ? "committed" : "aborted",
                                Clock::now() - txn.began);
}

}  // namespace xacoord
