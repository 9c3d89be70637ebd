// Makes this coordinator the only one running as its node id (participants/node_lock.h
// says why recovery needs that): the node's lock is taken on every participant before
// start-up recovery touches anything, and kept for as long as the coordinator runs.
//
// Ownership is also a lease (docs/recovery.md, "The node's fence"): the coordinator decides
// only while it confirmed the lock on every participant within the last --node-lock-stale
// / 2. A later start of the node ends a holder of the lock that is a session of another run
// of this node and has sat idle for --node-lock-stale (a dead host's session the server
// has not noticed): by then the holder's own coordinator, if it still lives, has stopped
// deciding for half that time, and stops for good when it next reaches the server.
#pragma once

#include <utility>

#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/clock.h"
#include "participants/pool.h"
#include "participants/session.h"

namespace xacoord {

// Another session holds the node's lock: another coordinator runs as this node id.
class NodeIdTaken : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class NodeFence {
 public:
  struct Options {
    std::string node_id = "1";
    std::string run;  // this process's token (participants/server_session.h)
    // How long a start waits for the lock of a coordinator that just died (its server ends
    // the session at once when the process is gone, but not before).
    std::chrono::seconds wait{10};
    std::chrono::milliseconds check_interval{1'000};
    // A lock holder of another run idle this long is a dead run's; the lease is half of it.
    std::chrono::seconds stale{30};
  };
  NodeFence(std::vector<db::Pool*> participants, Options options, Clock& clock = Clock::system());
  ~NodeFence();

  // Takes the lock on every participant. Retries while a database cannot be reached (the
  // coordinator stays not ready meanwhile). Throws NodeIdTaken, naming the session that
  // holds it, when it is still held by another after the wait.
  boost::asio::awaitable<void> take();
  // Every check interval: still ours everywhere? A lock a restarted server let go is
  // taken again (ending this coordinator's own earlier fence session first, which a
  // partition can leave on the server). One that another coordinator took meanwhile is
  // fatal: this process stops at once (its recovery and the other's would undo each
  // other's decisions).
  boost::asio::awaitable<void> keep();
  void stop() { stopped_ = true; }

  // The lock was confirmed on every participant within the lease: the coordinator may
  // record decisions and finish branches.
  bool owned() const;

 private:
  struct Holder {
    std::unique_ptr<db::Session> session;
    db::ServerSession held_by;  // the connection that holds the lock (empty: none yet)
    SteadyTime confirmed_at{};
  };
  boost::asio::awaitable<void> take_one(const std::string& name, Holder& holder);
  std::string describe_holder(const std::string& participant, std::int64_t session,
                              const std::string& host) const;

  Options options_;
  Clock& clock_;
  std::string lock_name_;
  std::map<std::string, Holder> holders_;
  bool stopped_ = false;
};

}  // namespace xacoord
