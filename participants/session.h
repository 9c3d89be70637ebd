// The database seam: what the 2PC engine, recovery and the domain need from a session
// with one MariaDB server, as awaitables on the coordinator's io_context.
//
// Two implementations: LaneSession (participants/lane_session.h: Connector/C++ on a
// thread of its own, because that library blocks) and, for tests of pure logic, the
// scripted fake of tests/support/fakes. Nothing above this file knows which one runs.
//
// Rules every implementation keeps (docs/protocol.md, "Sessions"):
//  - A session connects at its first batch, and again at the first batch after close()
//    or after an error that left it unusable. It never reconnects silently in the middle
//    of a batch: that would throw away an open XA branch and carry on as if nothing
//    happened.
//  - Every failure is a DbError (participants/db_error.h). One with connection_unusable()
//    means the session is closed now; one with no_session() means no connection could
//    be opened, so none of the batch's statements reached the server.
//  - The completion of batch() runs on the executor of the coroutine that awaits it.
//  - Batches started on one session run one at a time, in the order they were started.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "participants/endpoint.h"
#include "participants/rows.h"
#include "participants/server_session.h"

namespace xacoord::db {

class Session {
 public:
  virtual ~Session() = default;

  // Runs `statements` in order, in one round trip where the implementation can. Returns,
  // per statement, its rows if it had a result set. The first failing statement throws;
  // the statements after it did not run.
  virtual boost::asio::awaitable<Results> batch(std::vector<std::string> statements) = 0;

  // Closes the connection now, without waiting: the server rolls back a branch that was
  // not prepared and lets other sessions finish one that was. Ordered before any later
  // batch, which reconnects.
  virtual void close() = 0;

  // Who the current connection is on its server (what KILL takes, checked against its
  // client address: participants/server_session.h); empty while none is open. Any thread.
  virtual ServerSession server_session() const = 0;
  std::int64_t server_session_id() const { return server_session().id; }
  // The connection the last batch ran on, also after it was closed or lost: what recovery
  // ends from another session when this one was abandoned with a branch on it.
  virtual ServerSession last_server_session() const = 0;

  // For logs: "<participant>/<purpose>".
  virtual const std::string& label() const = 0;
};

// Makes sessions for one participant (one server).
class SessionFactory {
 public:
  virtual ~SessionFactory() = default;
  virtual const std::string& participant() const = 0;
  // host:port, for operators' messages.
  virtual std::string address() const = 0;
  // The timeouts sessions get unless the caller asks for others.
  virtual const Timeouts& timeouts() const = 0;
  // A new session, not yet connected. `purpose` names it in logs ("pool", "recovery"...).
  virtual std::unique_ptr<Session> make_session(const std::string& purpose,
                                                const Timeouts& timeouts) = 0;
  std::unique_ptr<Session> make_session(const std::string& purpose) {
    return make_session(purpose, timeouts());
  }
};

// One statement without a result of interest.
boost::asio::awaitable<void> execute(Session& session, std::string statement);
// One statement with a result set.
boost::asio::awaitable<Rows> query(Session& session, std::string statement);

// One piece of work for run_parallel.
struct SessionJob {
  Session* session;
  std::vector<std::string> statements;
};

// Runs every job at once, each on its own session, and completes when all have ended,
// with each job's error (null if it succeeded) — never throws for a job's failure.
// `on_done(i, error)` runs as each job ends, in the order they end, on the awaiting
// coroutine's executor.
boost::asio::awaitable<std::vector<std::exception_ptr>> run_parallel(
    std::vector<SessionJob> jobs,
    std::function<void(std::size_t, std::exception_ptr)> on_done = {});

}  // namespace xacoord::db
