// Statements that run outside any XA transaction, on a session of a participant's pool:
// the domain's reads and single-database writes, and the local transactions of the
// architectures that are built from them (naive, saga, tcc, outbox).
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/clock.h"
#include "participants/pool.h"
#include "participants/rows.h"

namespace xacoord {

// Runs `statements` as one batch on a session leased from `pool` (waiting for one until
// `deadline`). Autocommit unless the list itself says START TRANSACTION ... COMMIT. On any
// failure the session is closed before it returns to the pool, so a half-run local
// transaction is rolled back by the server and never leaks into the next user's work.
// Throws db::DbError or db::PoolExhausted.
boost::asio::awaitable<db::Results> run_local(db::Pool& pool, SteadyTime deadline,
                                              std::vector<std::string> statements);

// The same, as one local transaction: START TRANSACTION, the statements, COMMIT. The
// results are those of `statements` alone.
boost::asio::awaitable<db::Results> run_local_transaction(db::Pool& pool, SteadyTime deadline,
                                                          std::vector<std::string> statements);

}  // namespace xacoord
