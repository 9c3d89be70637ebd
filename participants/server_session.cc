#include "participants/server_session.h"

#include <charconv>

#include "participants/db_error.h"
#include "participants/session.h"
#include "participants/sql_text.h"

namespace xacoord::db {

namespace asio = boost::asio;

namespace {

struct Version {
  int major = 0, minor = 0, patch = 0;
};

Version parse_version(std::string_view text) {
  Version v;
  int* parts[] = {&v.major, &v.minor, &v.patch};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int* part : parts) {
    auto [next, ec] = std::from_chars(p, end, *part);
    if (ec != std::errc()) break;
    p = next;
    if (p == end || *p != '.') break;
    ++p;
  }
  return v;
}

bool at_least(const Version& v, int major, int minor, int patch) {
  if (v.major != major) return v.major > major;
  if (v.minor != minor) return v.minor > minor;
  return v.patch >= patch;
}

// The registrations table, made by the first session that needs it (an existing data dir
// may predate it; compose/local/schema has it too).
constexpr const char* kCreateRegistrations =
    "CREATE TABLE IF NOT EXISTS xacoord_sessions ("
    "node_id VARCHAR(12) NOT NULL, connection_id BIGINT NOT NULL, client VARCHAR(128) NOT NULL, "
    "run VARCHAR(32) NOT NULL DEFAULT '', "
    "opened_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), "
    "PRIMARY KEY (node_id, connection_id, client)) ENGINE=InnoDB";

constexpr const char* kRegisteredColumns =
    "SELECT p.ID, p.HOST, p.TIME, p.COMMAND FROM xacoord_sessions s JOIN "
    "information_schema.PROCESSLIST p ON p.ID = s.connection_id AND p.HOST = s.client ";

}  // namespace

bool keeps_prepared_branches(std::string_view version) {
  Version v = parse_version(version);
  if (version.find("MariaDB") != std::string_view::npos || v.major >= 10) {
    return at_least(v, 10, 5, 0);  // MDEV-742, fixed in 10.5
  }
  return at_least(v, 5, 7, 7);  // MySQL bug #12161, fixed in 5.7.7
}

std::vector<std::string> opening_sql(const Timeouts& timeouts,
                                     const std::optional<SessionOwner>& owner) {
  std::vector<std::string> sql{
      "SET SESSION innodb_lock_wait_timeout = " + std::to_string(timeouts.lock_wait_seconds),
      "SELECT ID, HOST, VERSION() FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()"};
  if (owner) {
    sql.emplace_back(kCreateRegistrations);
    sql.push_back("REPLACE INTO xacoord_sessions (node_id, connection_id, client, run) SELECT " +
                  quote(owner->node_id) + ", ID, HOST, " + quote(owner->run) +
                  " FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()");
  }
  return sql;
}

ServerSession opened_session(const Results& results, const std::string& address) {
  const Rows& rows = *results.at(1);
  if (rows.empty()) throw std::logic_error("the server does not list its own session");
  const std::string& version = as_string(rows[0], 2);
  if (!keeps_prepared_branches(version)) {
    throw UnsupportedServer(
        "the database at " + address + " runs version " + version +
        ", which rolls prepared XA branches back when their session disconnects (MariaDB "
        "before 10.5, MySQL before 5.7.7): two-phase commit cannot be trusted to it; see "
        "docs/recovery.md, \"Servers\"");
  }
  return ServerSession{as_int(rows[0], 0), rows[0][1].value_or("")};
}

std::string sessions_of_other_runs_sql(const std::string& node_id, const std::string& run) {
  return std::string(kRegisteredColumns) + "WHERE s.node_id = " + quote(node_id) +
         " AND s.run <> " + quote(run) + " AND p.ID <> CONNECTION_ID()";
}

std::string lock_holder_of_other_run_sql(const std::string& lock_name, const std::string& node_id,
                                         const std::string& run) {
  return sessions_of_other_runs_sql(node_id, run) + " AND p.ID = IS_USED_LOCK(" + quote(lock_name) +
         ")";
}

std::vector<RegisteredSession> registered_from(const Rows& rows) {
  std::vector<RegisteredSession> out;
  for (const auto& row : rows.rows) {
    RegisteredSession r;
    r.session = ServerSession{as_int(row, 0), row[1].value_or("")};
    r.idle_seconds = row.size() > 2 && row[2] ? as_int(row, 2) : 0;
    r.sleeping = row.size() > 3 && row[3] && *row[3] == "Sleep";
    out.push_back(std::move(r));
  }
  return out;
}

std::string prune_registrations_sql(const std::string& node_id) {
  return "DELETE s FROM xacoord_sessions s LEFT JOIN information_schema.PROCESSLIST p ON p.ID = "
         "s.connection_id AND p.HOST = s.client WHERE s.node_id = " +
         quote(node_id) + " AND p.ID IS NULL";
}

asio::awaitable<bool> end_session(Session& via, ServerSession target,
                                  std::chrono::milliseconds wait, Clock& clock) {
  if (!target) co_return true;
  const std::string present = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = " +
                              std::to_string(target.id) + " AND HOST = " + quote(target.client);
  const auto until = clock.now() + wait;
  bool killed = false;
  for (;;) {
    std::vector<std::string> look;
    look.push_back(present);
    Results seen = co_await via.batch(std::move(look));
    if (single_int(*seen.at(0)) == 0) co_return true;
    if (!killed) {
      // Checked and killed in the same round trip is not possible in SQL; the check just
      // ran on this same connection, and a restart of the server in between would have
      // ended this connection too (the KILL would then never run).
      std::vector<std::string> kill;
      kill.push_back("KILL CONNECTION " + std::to_string(target.id));
      try {
        co_await via.batch(std::move(kill));
      } catch (const DbError& e) {
        if (e.connection_unusable()) throw;
        // 1094 unknown thread: it ended by itself meanwhile.
      }
      killed = true;
      continue;
    }
    if (clock.now() >= until) co_return false;
    co_await sleep_for(clock, std::chrono::milliseconds(20));
  }
}

}  // namespace xacoord::db
