// The two-phase commit protocol over XA. Read two_phase_commit.cc from top to bottom: it
// is the protocol, in the order it happens.
//
// Domain code (coordinator/domain) drives a transaction through four calls:
//   begin     a new transaction with a fresh id and a deadline;
//   enlist    a branch on a participant: a session of its pool, held until phase two ends;
//   run       statements inside a branch (XA START travels with the first ones);
//   commit    every branch's last statements, then the protocol to its end;
// and calls rollback if it decides to give up. commit returns only with the outcome
// decided COMMIT; when it throws, the transaction is aborted (or being aborted) and the
// exception says why.
#pragma once

#include <utility>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "coordinator/engine/transaction.h"
#include "coordinator/engine/txn_registry.h"
#include "coordinator/log/decision_log.h"
#include "coordinator/observability/coordinator_metrics.h"
#include "participants/connection.h"
#include "participants/pool.h"

namespace xacoord {

// The transaction ran past its deadline before its decision: it was rolled back.
class DeadlineExceeded : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where phase two goes when it cannot finish on the branch's own session (recovery).
class PhaseTwoHandoff {
 public:
  virtual ~PhaseTwoHandoff() = default;
  // Branch `index` of `txn` must be committed (or rolled back) from a fresh session;
  // keep trying until the server confirms. The branch's own session is already closed.
  virtual void finish_later(std::shared_ptr<Transaction> txn, std::size_t index, bool commit) = 0;
};

// The comment that starts every statement a branch of node `node_id` sends before its
// decision, so a session left running by a crashed coordinator can be found in the
// server's process list ("/*xacoord:<node>*/ ").
inline std::string session_marker(const std::string& node_id) {
  return "/*xacoord:" + node_id + "*/ ";
}

// The message of an exception, for logs and transaction records.
std::string describe(const std::exception_ptr& error);

// Results of a run: per statement, its result set if it had one.
using Results = std::vector<std::optional<db::Rows>>;

class TwoPhaseCommit {
 public:
  struct Options {
    std::string node_id = "1";
    std::chrono::milliseconds deadline{10'000};
    // Chaos baseline only (`serve --unsafe-no-2pc`): two independent local commits, no
    // XA, no decision log. It exists to show that the checkers catch what 2PC prevents.
    bool unsafe_no_2pc = false;
  };

  TwoPhaseCommit(dlog::DecisionLog& log, TxnRegistry& registry, PhaseTwoHandoff& handoff,
                 CoordinatorMetrics& metrics, Options options);

  std::shared_ptr<Transaction> begin(std::string kind, std::optional<std::int64_t> order_id);
  boost::asio::awaitable<Branch*> enlist(Transaction& txn, db::Pool& pool);
  boost::asio::awaitable<Results> run(Transaction& txn, Branch& branch,
                                      std::vector<std::string> statements);
  // `last[i]` are the statements branch i runs right before it ends and prepares.
  boost::asio::awaitable<void> commit(Transaction& txn, std::vector<std::vector<std::string>> last);
  // Rolls back every branch; does nothing if the transaction is already decided.
  boost::asio::awaitable<void> rollback(Transaction& txn, std::string reason);

  const Options& options() const { return options_; }
  // Transactions begun and not yet through commit or rollback here (recovery may still
  // be finishing some of their branches).
  std::size_t in_flight() const { return in_flight_; }

 private:
  boost::asio::awaitable<void> prepare_all(Transaction& txn,
                                           std::vector<std::vector<std::string>>& last);
  boost::asio::awaitable<void> log_decision(Transaction& txn);
  boost::asio::awaitable<void> commit_all(Transaction& txn);
  boost::asio::awaitable<void> commit_one_phase(Transaction& txn, std::vector<std::string> last);
  boost::asio::awaitable<void> commit_unsafe(Transaction& txn,
                                             std::vector<std::vector<std::string>>& last);
  void tag(std::vector<std::string>& statements) const;
  void check_deadline(const Transaction& txn) const;
  // Throws DeadlineExceeded if the deadline interrupted a statement of `txn`.
  void throw_if_interrupted(const Transaction& txn) const;
  void watch_deadline(Transaction& txn, const boost::asio::any_io_executor& executor);
  void finish(Transaction& txn);

  dlog::DecisionLog& log_;
  TxnRegistry& registry_;
  PhaseTwoHandoff& handoff_;
  CoordinatorMetrics& metrics_;
  Options options_;
  std::uint64_t next_seq_ = 1;
  std::size_t in_flight_ = 0;
};

}  // namespace xacoord
