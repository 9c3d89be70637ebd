#include "participants/connection.h"

#include <cstdlib>
#include <mutex>

#include <cppconn/connection.h>
#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include "participants/db_error.h"

namespace xacoord::db {
namespace {

sql::Driver* driver() {
  // get_mysql_driver_instance() is not safe to race (it frees and re-creates its map);
  // a function-local static makes exactly one thread call it.
  static sql::Driver* instance = sql::mysql::get_mysql_driver_instance();
  return instance;
}

Rows read_rows(sql::ResultSet& rs) {
  Rows out;
  auto columns = rs.getMetaData()->getColumnCount();
  while (rs.next()) {
    Row row;
    row.reserve(columns);
    for (unsigned int c = 1; c <= columns; ++c) {
      if (rs.isNull(c)) {
        row.emplace_back(std::nullopt);
      } else {
        auto s = rs.getString(c);
        row.emplace_back(std::string(s.c_str(), s.length()));
      }
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

template <typename Fn>
auto guarded(std::string_view what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const sql::SQLException& e) {
    throw classify(e, what);
  }
}

std::string verb(std::string_view name, const Xid& xid, std::string_view suffix = "") {
  std::string s(name);
  s += ' ';
  s += xid.to_sql();
  s += suffix;
  return s;
}

}  // namespace

void thread_init() {
  driver()->threadInit();
}
void thread_end() {
  driver()->threadEnd();
}

std::int64_t as_int(const Row& row, std::size_t column) {
  if (column >= row.size() || !row[column]) throw std::logic_error("expected a number, got NULL");
  const std::string& s = *row[column];
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0') throw std::logic_error("expected a number, got '" + s + "'");
  return v;
}

const std::string& as_string(const Row& row, std::size_t column) {
  if (column >= row.size() || !row[column]) throw std::logic_error("expected a string, got NULL");
  return *row[column];
}

std::unique_ptr<Connection> Connection::open(const Endpoint& endpoint, const Timeouts& timeouts) {
  std::unique_ptr<Connection> c(new Connection());
  guarded("connect to " + endpoint.address(), [&] {
    sql::ConnectOptionsMap options;
    options["hostName"] = sql::SQLString("tcp://" + endpoint.address());
    options["userName"] = sql::SQLString(endpoint.user);
    options["password"] = sql::SQLString(endpoint.password);
    options["schema"] = sql::SQLString(endpoint.schema);
    options["OPT_CONNECT_TIMEOUT"] = static_cast<int>(timeouts.connect.count());
    options["OPT_READ_TIMEOUT"] = static_cast<int>(timeouts.read.count());
    options["OPT_WRITE_TIMEOUT"] = static_cast<int>(timeouts.write.count());
    options["OPT_RECONNECT"] = false;
    options["CLIENT_MULTI_STATEMENTS"] = true;
    options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    c->conn_.reset(driver()->connect(options));
    c->stmt_.reset(c->conn_->createStatement());
  });
  // The session's id comes along with its settings (one round trip), so a deadline can
  // interrupt the session's statement from another session without asking it first.
  auto results = c->batch(
      {"SET SESSION innodb_lock_wait_timeout = " + std::to_string(timeouts.lock_wait_seconds),
       "SELECT CONNECTION_ID()"});
  c->connection_id_ = as_int((*results[1])[0], 0);
  return c;
}

Connection::~Connection() {
  try {
    stmt_.reset();
    if (conn_) conn_->close();
  } catch (const sql::SQLException&) {
    // Closing a dead session can fail; there is nothing left to clean up.
  }
}

std::int64_t Connection::execute(std::string_view statement) {
  return guarded(statement, [&] {
    return static_cast<std::int64_t>(stmt_->executeUpdate(sql::SQLString(std::string(statement))));
  });
}

Rows Connection::query(std::string_view statement) {
  return guarded(statement, [&] {
    std::unique_ptr<sql::ResultSet> rs(stmt_->executeQuery(sql::SQLString(std::string(statement))));
    return read_rows(*rs);
  });
}

std::vector<std::optional<Rows>> Connection::batch(const std::vector<std::string>& statements) {
  std::string joined;
  for (const auto& s : statements) {
    if (!joined.empty()) joined += ";\n";
    joined += s;
  }
  return guarded(joined, [&] {
    std::vector<std::optional<Rows>> results;
    results.reserve(statements.size());
    bool has_rows = stmt_->execute(sql::SQLString(joined));
    for (std::size_t i = 0; i < statements.size(); ++i) {
      // Each statement after the first needs one getMoreResults(); a failure of that
      // statement surfaces here, and skipping one leaves the session out of sync.
      if (i > 0) has_rows = stmt_->getMoreResults();
      if (has_rows) {
        std::unique_ptr<sql::ResultSet> rs(stmt_->getResultSet());
        results.emplace_back(read_rows(*rs));
      } else {
        results.emplace_back(std::nullopt);
      }
    }
    return results;
  });
}

void Connection::xa_start(const Xid& xid) {
  execute(verb("XA START", xid));
}
void Connection::xa_end(const Xid& xid) {
  execute(verb("XA END", xid));
}
void Connection::xa_prepare(const Xid& xid) {
  execute(verb("XA PREPARE", xid));
}
void Connection::xa_commit(const Xid& xid) {
  execute(verb("XA COMMIT", xid));
}
void Connection::xa_commit_one_phase(const Xid& xid) {
  execute(verb("XA COMMIT", xid, " ONE PHASE"));
}
void Connection::xa_rollback(const Xid& xid) {
  execute(verb("XA ROLLBACK", xid));
}

std::vector<Xid> Connection::xa_recover() {
  // FORMAT='SQL' prints each xid as a literal we can parse whatever its bytes (MariaDB);
  // MySQL 8 would need XA RECOVER CONVERT XID instead.
  Rows rows = query("XA RECOVER FORMAT='SQL'");
  std::vector<Xid> out;
  for (const auto& row : rows.rows) {
    if (row.size() < 4 || !row[3]) continue;
    if (auto xid = parse_sql_xid(*row[3])) out.push_back(std::move(*xid));
  }
  return out;
}

void Connection::ping() {
  query("SELECT 1");
}

std::int64_t Connection::connection_id() {
  if (!connection_id_) connection_id_ = as_int(query("SELECT CONNECTION_ID()")[0], 0);
  return *connection_id_;
}

std::int64_t Connection::last_insert_id() {
  return as_int(query("SELECT LAST_INSERT_ID()")[0], 0);
}

}  // namespace xacoord::db
