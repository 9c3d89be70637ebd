// Who a session is on its server, and how to end one that was abandoned.
//
// A session is named by its connection id together with its client address as the
// server's process list shows it (HOST, "ip:port"). Connection ids restart when the server
// does; the pair does not repeat: a stranger would need the same id and the same client
// port at once. Every KILL this project sends is checked against the pair in the same round
// trip (end_session), so it never ends a stranger's session (docs/recovery.md,
// "Abandoned sessions").
//
// Sessions of a coordinator also register themselves, when they open, in the table
// xacoord_sessions of their own server: a later start of the same node, after a crash of
// the host, finds the idle sessions the dead run left (a prepared branch attached to one
// stays locked until that session ends) and ends them.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/clock.h"
#include "participants/endpoint.h"
#include "participants/rows.h"

namespace xacoord::db {

class Session;

struct ServerSession {
  std::int64_t id = 0;
  std::string client;  // HOST in information_schema.PROCESSLIST
  explicit operator bool() const { return id != 0; }
  friend bool operator==(const ServerSession&, const ServerSession&) = default;
};

// The server loses prepared branches when their session disconnects (MariaDB before 10.5,
// MySQL before 5.7.7): two-phase commit cannot be trusted to it.
class UnsupportedServer : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Whether a server that reports `version` (SELECT VERSION(), e.g. "10.11.6-MariaDB-0+deb12u1"
// or "8.0.36") keeps a prepared branch when its session disconnects.
bool keeps_prepared_branches(std::string_view version);

// Whose session it is: a coordinator node, and this run of it (a token of the process,
// so a later start of the same node can tell its own sessions from a dead run's).
struct SessionOwner {
  std::string node_id;
  std::string run;
};

// What a new session sends first, in one round trip: its settings, who it is (and the
// server's version), and — for a coordinator — its registration.
std::vector<std::string> opening_sql(const Timeouts& timeouts,
                                     const std::optional<SessionOwner>& owner);
// Reads the results of opening_sql: the session's identity. Throws UnsupportedServer.
ServerSession opened_session(const Results& results, const std::string& address);

// The registered sessions of `node_id` from runs other than `run` that the server still
// runs (id, client, seconds idle, command), other than the asking session's own.
std::string sessions_of_other_runs_sql(const std::string& node_id, const std::string& run);
struct RegisteredSession {
  ServerSession session;
  std::int64_t idle_seconds = 0;  // PROCESSLIST.TIME while COMMAND is Sleep
  bool sleeping = false;
};
std::vector<RegisteredSession> registered_from(const Rows& rows);
// The same, for the one session holding the lock `lock_name` (empty if that holder is not
// a registered session of `node_id` from another run).
std::string lock_holder_of_other_run_sql(const std::string& lock_name, const std::string& node_id,
                                         const std::string& run);
// Forgets registrations of `node_id` whose session is gone.
std::string prune_registrations_sql(const std::string& node_id);

// Ends `target` from `via` if the server still shows it with its client address, and
// waits (polls, bounded by `wait`) until it is gone from the process list. True once it
// is gone (or was already); false if it still shows after `wait`. Throws DbError when
// `via` cannot ask.
boost::asio::awaitable<bool> end_session(Session& via, ServerSession target,
                                         std::chrono::milliseconds wait,
                                         Clock& clock = Clock::system());

}  // namespace xacoord::db
