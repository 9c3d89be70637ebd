#include "participants/node_lock.h"

#include "participants/sql_text.h"

namespace xacoord::db {
namespace {

// Who holds the lock instead of us, for the operator's message.
boost::asio::awaitable<NodeLockState> held_elsewhere(Session& s, const std::string& name) {
  NodeLockState state;
  std::string sql = "SELECT l.id, p.host FROM (SELECT IS_USED_LOCK(" + quote(name) +
                    ") AS id) l LEFT JOIN information_schema.processlist p ON p.id = l.id";
  Rows rows = co_await query(s, std::move(sql));
  if (!rows.rows.empty() && rows.rows[0][0]) {
    state.other_session = as_int(rows.rows[0], 0);
    if (rows.rows[0][1]) state.other_host = *rows.rows[0][1];
  }
  co_return state;
}

bool returned_one(const Rows& rows) {
  return !rows.rows.empty() && rows.rows[0][0] && *rows.rows[0][0] == "1";
}

}  // namespace

std::string node_lock_name(std::string_view node_id) {
  return "xacoord:node:" + std::string(node_id);
}

boost::asio::awaitable<NodeLockState> take_node_lock(Session& s, std::string name,
                                                     int wait_seconds) {
  // GET_LOCK answers 1 (ours now, or ours already), 0 (the wait ran out) or NULL (error).
  std::string sql = "SELECT GET_LOCK(" + quote(name) + ", " + std::to_string(wait_seconds) + ")";
  Rows rows = co_await query(s, std::move(sql));
  if (returned_one(rows)) co_return NodeLockState{true, 0, {}};
  co_return co_await held_elsewhere(s, name);
}

boost::asio::awaitable<NodeLockState> keep_node_lock(Session& s, std::string name,
                                                     int wait_seconds) {
  std::string sql = "SELECT IS_USED_LOCK(" + quote(name) + ") <=> CONNECTION_ID()";
  Rows rows = co_await query(s, std::move(sql));
  if (returned_one(rows)) co_return NodeLockState{true, 0, {}};
  co_return co_await take_node_lock(s, std::move(name), wait_seconds);
}

}  // namespace xacoord::db
