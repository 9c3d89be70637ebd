// One TCC branch step (a Try, Confirm or Cancel on one database) as one local transaction
// (coordinator/domain/local_transaction.h) with its barrier row (docs/architectures/tcc.md,
// "The barrier"). The first round trip opens the transaction, inserts the barrier and runs
// the step's locking reads; the caller reads the verdict and what it locked, then commits
// the step's writes with the barrier row — or rolls back, and the barrier row goes with it.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/clock.h"
#include "coordinator/architectures/tcc/tcc_sql.h"
#include "coordinator/domain/local_transaction.h"
#include "participants/pool.h"
#include "participants/rows.h"

namespace xacoord::tcc {

class BranchTransaction {
 public:
  // START TRANSACTION, the barrier of (gid, branch, op), then `reads`, on a session leased
  // from `pool` (waiting until `deadline` for one). Throws db::DbError or
  // db::PoolExhausted; nothing stays open then.
  static boost::asio::awaitable<BranchTransaction> begin(db::Pool& pool, SteadyTime deadline,
                                                         const std::string& gid, sql::Branch branch,
                                                         sql::Op op,
                                                         std::vector<std::string> reads);
  BranchTransaction(BranchTransaction&&) = default;
  BranchTransaction& operator=(BranchTransaction&&) = default;
  // Left open by an exception: the session is closed, and the server rolls it back.
  ~BranchTransaction() = default;

  sql::Verdict verdict() const { return verdict_; }
  // The results of `reads`.
  const db::Results& reads() const { return reads_; }
  // `writes`, then COMMIT; the results are those of `writes`. On failure the session is
  // closed: whether the COMMIT ran is then not known.
  boost::asio::awaitable<db::Results> commit(std::vector<std::string> writes) {
    return local_.commit(std::move(writes));
  }
  // `statements` without ending the transaction (a read-back to check before COMMIT).
  boost::asio::awaitable<db::Results> run(std::vector<std::string> statements) {
    return local_.run(std::move(statements));
  }
  boost::asio::awaitable<void> rollback() { return local_.rollback(); }

 private:
  explicit BranchTransaction(LocalTransaction local) : local_(std::move(local)) {}

  LocalTransaction local_;
  sql::Verdict verdict_ = sql::Verdict::kRepeat;
  db::Results reads_;
};

}  // namespace xacoord::tcc
