// One session with one MariaDB server, through MySQL Connector/C++ 1.1 (text protocol).
//
// Every call blocks: Connections live on participant lanes (participants/lane.h), never on
// io_context threads. Every failure is thrown as a DbError. Auto-reconnect stays off: a
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
#include "protocol/xid.h"

namespace sql {
class Connection;
class Statement;
}  // namespace sql

namespace xacoord::db {

using Row = std::vector<std::optional<std::string>>;

struct Rows {
  std::vector<Row> rows;
  bool empty() const { return rows.empty(); }
  std::size_t size() const { return rows.size(); }
  const Row& operator[](std::size_t i) const { return rows[i]; }
};

// Column accessors that fail loudly on NULL or non-numbers: the schema promises both.
std::int64_t as_int(const Row& row, std::size_t column);
const std::string& as_string(const Row& row, std::size_t column);

// The client library keeps per-thread state: every thread that opens sessions calls these
// at its start and end (lanes do).
void thread_init();
void thread_end();

class Connection {
 public:
  // Connects and prepares the session (lock wait timeout). Throws DbError.
  static std::unique_ptr<Connection> open(const Endpoint& endpoint, const Timeouts& timeouts);
  ~Connection();

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A statement without a result; returns the affected row count.
  std::int64_t execute(std::string_view statement);
  // A statement with a result set.
  Rows query(std::string_view statement);
  // Several statements in one round trip. Returns, per statement, its result set if it
  // had one. The first failing statement throws; statements after it did not run.
  std::vector<std::optional<Rows>> batch(const std::vector<std::string>& statements);

  // The XA verbs. Each is one round trip.
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
  std::int64_t connection_id();
  std::int64_t last_insert_id();

 private:
  Connection() = default;
  std::unique_ptr<sql::Connection> conn_;
  std::unique_ptr<sql::Statement> stmt_;
  std::optional<std::int64_t> connection_id_;
};

}  // namespace xacoord::db
