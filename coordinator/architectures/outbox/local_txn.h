// One local transaction on one database in two round trips: the first opens it and takes
// its locks (START TRANSACTION, the reads), the caller decides on what it read, the second
// writes and commits. Every step of the outbox architecture is one of these: the inbox
// insert or the order's row lock comes first, so a second delivery of the same message, or
// a pay and a cancel of the same order, wait for the first and then see what it did.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/clock.h"
#include "participants/pool.h"
#include "participants/rows.h"

namespace xacoord::outbox {

class LocalTxn {
 public:
  // Throws db::DbError or db::PoolExhausted; nothing stays open then.
  static boost::asio::awaitable<LocalTxn> begin(db::Pool& pool, SteadyTime deadline,
                                                std::vector<std::string> reads);
  LocalTxn(LocalTxn&& other) noexcept = default;
  LocalTxn& operator=(LocalTxn&& other) noexcept = default;
  // Neither committed nor rolled back (an exception on the way): the session is closed,
  // and the server rolls the transaction back.
  ~LocalTxn();

  const db::Results& reads() const { return reads_; }
  // `writes`, then COMMIT; the results are those of `writes`. On failure the session is
  // closed, and whether the COMMIT ran is not known.
  boost::asio::awaitable<db::Results> commit(std::vector<std::string> writes);
  boost::asio::awaitable<void> rollback();

 private:
  LocalTxn() = default;
  boost::asio::awaitable<db::Results> send(std::vector<std::string> statements);

  db::Lease lease_;
  db::Results reads_;
};

}  // namespace xacoord::outbox
