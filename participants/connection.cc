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
#include "participants/xa_sql.h"

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

}  // namespace

void thread_init() {
  driver()->threadInit();
}
void thread_end() {
  driver()->threadEnd();
}

std::unique_ptr<Connection> Connection::open(const Endpoint& endpoint, const Timeouts& timeouts,
                                             const std::optional<SessionOwner>& owner) {
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
  // The session's identity comes along with its settings (one round trip), so a deadline
  // can interrupt its statement, and recovery end it, from another session.
  c->identity_ = opened_session(c->batch(opening_sql(timeouts, owner)), endpoint.address());
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

Results Connection::batch(const std::vector<std::string>& statements) {
  std::string joined;
  for (const auto& s : statements) {
    if (!joined.empty()) joined += ";\n";
    joined += s;
  }
  return guarded(joined, [&] {
    Results results;
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
  execute(xa::start(xid));
}
void Connection::xa_end(const Xid& xid) {
  execute(xa::end(xid));
}
void Connection::xa_prepare(const Xid& xid) {
  execute(xa::prepare(xid));
}
void Connection::xa_commit(const Xid& xid) {
  execute(xa::commit(xid));
}
void Connection::xa_commit_one_phase(const Xid& xid) {
  execute(xa::commit_one_phase(xid));
}
void Connection::xa_rollback(const Xid& xid) {
  execute(xa::rollback(xid));
}

std::vector<Xid> Connection::xa_recover() {
  return xa::parse_recover(query(xa::recover()));
}

void Connection::ping() {
  query("SELECT 1");
}

std::int64_t Connection::last_insert_id() {
  return as_int(query("SELECT LAST_INSERT_ID()")[0], 0);
}

}  // namespace xacoord::db
