// One local transaction on one database in two round trips: the first locks and reads
// (START TRANSACTION, SELECT ... FOR UPDATE), the caller looks at what it read and decides,
// the second writes and commits — or the transaction rolls back. Every step of a saga, and
// every TCC branch step with its barrier row (tcc/branch_transaction.h), that must not be
// applied twice is built this way: the lock makes a repeat wait for the first attempt to
// end, and the read then shows whether that attempt committed.
//
// With a marker, every statement starts with it (the node's session marker, session_marker
// in coordinator/engine/two_phase_commit.h), so a restarted coordinator finds a session its
// dead predecessor left running in a server and kills it before it lists open sagas
// (docs/architectures/saga.md, "Recovery").
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/clock.h"
#include "participants/pool.h"
#include "participants/rows.h"

namespace xacoord {

// Puts `marker` in front of every statement.
void tag(std::vector<std::string>& statements, const std::string& marker);

class LocalTransaction {
 public:
  // START TRANSACTION and `reads` on a session leased from `pool` (waiting until
  // `deadline` for one); `marker` may be empty. Throws db::DbError or db::PoolExhausted;
  // nothing stays open then.
  static boost::asio::awaitable<LocalTransaction> begin(db::Pool& pool, SteadyTime deadline,
                                                        std::string marker,
                                                        std::vector<std::string> reads);
  LocalTransaction(LocalTransaction&&) = default;
  LocalTransaction& operator=(LocalTransaction&&) = default;
  // A transaction left neither committed nor rolled back (an exception on the way) closes
  // its session: the server rolls it back.
  ~LocalTransaction();

  // The results of `reads`.
  const db::Results& reads() const { return reads_; }
  // `writes`, then COMMIT. The results are those of `writes`. On failure the session is
  // closed: whether the COMMIT ran is then not known.
  boost::asio::awaitable<db::Results> commit(std::vector<std::string> writes);
  // `statements` without ending the transaction (a read-back to check before COMMIT).
  boost::asio::awaitable<db::Results> run(std::vector<std::string> statements);
  boost::asio::awaitable<void> rollback();

 private:
  LocalTransaction() = default;
  boost::asio::awaitable<db::Results> send(std::vector<std::string> statements);

  db::Lease lease_;
  std::string marker_;
  db::Results reads_;
  bool open_ = false;
};

}  // namespace xacoord
