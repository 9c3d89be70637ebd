// The two-phase commit protocol over XA. Read two_phase_commit.cc from top to bottom: it
// is the protocol, in the order it happens. It knows XA, sessions (participants/session.h)
// and the decision store (coordinator/store/decision_store.h); nothing of HTTP, of the
// shop's tables, or of the other architectures.
//
// Whoever builds a transaction (coordinator/architectures/xa) drives it through:
//   begin     a new transaction with a fresh id and a deadline;
//   enlist    a branch on a participant: a session of its pool, held until phase two ends;
//   run       statements inside a branch (XA START travels with the first ones);
//   commit    every branch's final_statements, then the protocol to its end;
// and calls rollback if it decides to give up. commit returns only with the outcome
// decided COMMIT; when it throws, the transaction is aborted (or being aborted) and the
// exception says why.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "common/clock.h"
#include "common/crash_points.h"
#include "common/errors.h"
#include "coordinator/engine/transaction.h"
#include "coordinator/engine/transaction_table.h"
#include "coordinator/observability/coordinator_metrics.h"
#include "coordinator/store/decision_store.h"
#include "participants/pool.h"

namespace xacoord {

// Where phase two goes when it cannot finish on the branch's own session (recovery).
class PhaseTwoHandoff {
 public:
  virtual ~PhaseTwoHandoff() = default;
  // Branch `index` of `txn` must be committed or rolled back, as `txn` decided, from a
  // fresh session; keep trying until the server confirms. The branch's own session is
  // already closed.
  virtual void finish_later(std::shared_ptr<Transaction> txn, std::size_t index) = 0;
};

// The comment that starts every statement a branch of node `node_id` sends before its
// decision, so a session left running by a crashed coordinator can be found in the
// server's process list ("/*xacoord:<node>*/ ").
inline std::string session_marker(const std::string& node_id) {
  return "/*xacoord:" + node_id + "*/ ";
}

class TwoPhaseCommit {
 public:
  struct Options {
    std::string node_id = "1";
    std::chrono::milliseconds deadline{10'000};
    // Whether this coordinator may decide right now: it confirmed its node's ownership
    // recently enough (coordinator/recovery/node_fence.h). A transaction that cannot
    // decide is rolled back before its decision.
    std::function<bool()> may_decide = [] { return true; };
    // The store could not tell whether the commit decision of `txn_id` is durable
    // (DecisionOutcomeUnknown): the branches must stay prepared and no client may hear an
    // outcome. Must not return: the coordinator stops, and whoever resolves its branches
    // next reads the store (docs/scale-out.md, "Cut off from etcd"). The file store never
    // gets here.
    std::function<void(const std::string& txn_id, const std::string& why)> outcome_unknown;
    // Awaited at the protocol's steps (before prepare, all prepared, decision logged, all
    // committed) when set: the demo's slowed pay waits there (coordinator/demo/demo.h).
    std::function<boost::asio::awaitable<void>(const Transaction&, CrashPoint)> at_step;
  };

  TwoPhaseCommit(TransactionTable& table, DecisionStore& store, PhaseTwoHandoff& handoff,
                 CoordinatorMetrics& metrics, Clock& clock, Options options);

  std::shared_ptr<Transaction> begin(std::string kind, std::optional<std::int64_t> order_id);
  boost::asio::awaitable<Branch*> enlist(Transaction& txn, db::Pool& pool);
  boost::asio::awaitable<db::Results> run(Transaction& txn, Branch& branch,
                                          std::vector<std::string> statements);
  boost::asio::awaitable<void> commit(Transaction& txn);
  // Rolls back every branch; does nothing if the transaction is already decided.
  boost::asio::awaitable<void> rollback(Transaction& txn, std::string reason);

  const Options& options() const { return options_; }
  // Transactions begun and not yet through commit or rollback here (recovery may still
  // be finishing some of their branches).
  std::size_t in_flight() const { return table_.with_engine(); }

 private:
  boost::asio::awaitable<void> prepare_all(Transaction& txn);
  boost::asio::awaitable<void> step(const Transaction& txn, CrashPoint point);
  boost::asio::awaitable<void> record_decision(Transaction& txn);
  boost::asio::awaitable<void> commit_all(Transaction& txn);
  boost::asio::awaitable<void> commit_one_phase(Transaction& txn);
  // After a one-phase commit whose answer was lost: ends the abandoned session, then reads
  // the outcome back. True committed, false not; nullopt if it could not be told.
  boost::asio::awaitable<std::optional<bool>> settle_one_phase(Transaction& txn, Branch& b);
  void tag(std::vector<std::string>& statements) const;
  void check_deadline(const Transaction& txn) const;
  // Throws DeadlineExceeded if the deadline interrupted a statement of `txn`.
  void throw_if_interrupted(const Transaction& txn) const;
  void watch_deadline(Transaction& txn, const boost::asio::any_io_executor& executor);
  void release(Transaction& txn);
  void abandon(Branch& b);

  TransactionTable& table_;
  DecisionStore& store_;
  PhaseTwoHandoff& handoff_;
  CoordinatorMetrics& metrics_;
  Clock& clock_;
  Options options_;
};

}  // namespace xacoord
