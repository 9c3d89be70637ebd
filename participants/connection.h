// One session with one MariaDB server, through MySQL Connector/C++ 1.1 (text protocol).
//
// Every call blocks: inside the coordinator, Connections live on lanes
// (participants/lane.h) behind the Session seam, never on io_context threads; tools and
// tests use them directly. Every failure is thrown as a DbError. Auto-reconnect stays off: a
// silent reconnect would throw away an open XA branch and then carry on as if nothing
// happened (a lost connection must fail the branch instead).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "participants/endpoint.h"
#include "participants/rows.h"
#include "participants/server_session.h"
#include "protocol/xid.h"

namespace sql {
class Connection;
class Statement;
}  // namespace sql

namespace xacoord::db {

// The client library keeps per-thread state: every thread that opens sessions calls these
// at its start and end (lanes do).
void thread_init();
void thread_end();

class Connection {
 public:
  // Connects and prepares the session (lock wait timeout), learns who it is on the server
  // and, with a node id, registers it there (participants/server_session.h). Throws
  // DbError, or UnsupportedServer for a server that loses prepared branches.
  static std::unique_ptr<Connection> open(const Endpoint& endpoint, const Timeouts& timeouts,
                                          const std::optional<SessionOwner>& owner = {});
  ~Connection();

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A statement without a result; returns the affected row count.
  std::int64_t execute(std::string_view statement);
  // A statement with a result set.
  Rows query(std::string_view statement);
  // Several statements in one round trip. Returns, per statement, its result set if it
  // had one. The first failing statement throws; statements after it did not run.
  Results batch(const std::vector<std::string>& statements);

  // The XA verbs (participants/xa_sql.h). Each is one round trip.
  void xa_start(const Xid& xid);
  void xa_end(const Xid& xid);
  void xa_prepare(const Xid& xid);
  void xa_commit(const Xid& xid);
  void xa_commit_one_phase(const Xid& xid);
  void xa_rollback(const Xid& xid);
  // Every prepared branch on the server (all format ids and nodes: callers filter).
  std::vector<Xid> xa_recover();

  void ping();
  // The server's id for this session (KILL QUERY when a deadline passes; tests).
  std::int64_t connection_id() const { return identity_.id; }
  const ServerSession& identity() const { return identity_; }
  std::int64_t last_insert_id();

 private:
  Connection() = default;
  std::unique_ptr<sql::Connection> conn_;
  std::unique_ptr<sql::Statement> stmt_;
  ServerSession identity_;
};

}  // namespace xacoord::db
