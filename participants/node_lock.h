// The server-side lock that makes a node id one coordinator's.
//
// Recovery trusts the node id completely: it kills sessions that carry its node's marker,
// rolls back prepared branches of its node that no decision of its own log covers, and
// commits those its log decided. Two coordinators started with the same node id (and two
// decision logs) would do all of that to each other's live transactions — a commit
// decided by one rolled back by the other. So a coordinator holds GET_LOCK on every
// participant for as long as it runs, takes it before start-up recovery touches
// anything, and refuses to start while another session holds it.
//
// The lock is the server's, named after the node id; it ends with the session that took
// it, which is what a crashed coordinator needs (the next start gets it at once) and why
// a restarted server needs it taken again.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "participants/session.h"

namespace xacoord::db {

// "xacoord:node:<node_id>"; node ids are at most 12 characters, the server allows 64.
std::string node_lock_name(std::string_view node_id);

struct NodeLockState {
  bool held = false;               // by this session
  std::int64_t other_session = 0;  // when not: the session holding it (0: none, or unknown)
  std::string other_host;          // that session's client address, if the server says
};

// Takes the lock, waiting up to `wait_seconds` for another session to let it go. Throws
// DbError when the server cannot be asked.
boost::asio::awaitable<NodeLockState> take_node_lock(Session& s, std::string name,
                                                     int wait_seconds);

// Keeps it: one round trip while this session holds it. Otherwise (a server restart ended
// the session that held it) takes it again, waiting up to `wait_seconds`: the holder may
// be this process's own earlier session, which a server that was paused or cut off has
// not yet seen go.
boost::asio::awaitable<NodeLockState> keep_node_lock(Session& s, std::string name,
                                                     int wait_seconds);

}  // namespace xacoord::db
