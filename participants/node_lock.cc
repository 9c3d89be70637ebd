#include "participants/node_lock.h"

#include "participants/sql_text.h"

namespace xacoord::db {
namespace {

// Who holds the lock instead of us, for the operator's message.
NodeLockState held_elsewhere(Connection& c, const std::string& name) {
  NodeLockState state;
  auto rows = c.query("SELECT l.id, p.host FROM (SELECT IS_USED_LOCK(" + quote(name) +
                      ") AS id) l LEFT JOIN information_schema.processlist p ON p.id = l.id");
  if (!rows.rows.empty() && rows.rows[0][0]) {
    state.other_session = as_int(rows.rows[0], 0);
    if (rows.rows[0][1]) state.other_host = *rows.rows[0][1];
  }
  return state;
}

bool returned_one(const Rows& rows) {
  return !rows.rows.empty() && rows.rows[0][0] && *rows.rows[0][0] == "1";
}

}  // namespace

std::string node_lock_name(std::string_view node_id) {
  return "xacoord:node:" + std::string(node_id);
}

NodeLockState take_node_lock(Connection& c, const std::string& name, int wait_seconds) {
  // GET_LOCK answers 1 (ours now, or ours already), 0 (the wait ran out) or NULL (error).
  if (returned_one(
          c.query("SELECT GET_LOCK(" + quote(name) + ", " + std::to_string(wait_seconds) + ")"))) {
    return NodeLockState{true, 0, {}};
  }
  return held_elsewhere(c, name);
}

NodeLockState keep_node_lock(Connection& c, const std::string& name, int wait_seconds) {
  if (returned_one(c.query("SELECT IS_USED_LOCK(" + quote(name) + ") <=> CONNECTION_ID()"))) {
    return NodeLockState{true, 0, {}};
  }
  return take_node_lock(c, name, wait_seconds);
}

}  // namespace xacoord::db
