// Makes this coordinator the only one running as its node id (participants/node_lock.h
// says why recovery needs that): the node's lock is taken on every participant before
// start-up recovery touches anything, and kept for as long as the coordinator runs.
#pragma once

#include <utility>

#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

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
  // `wait`: how long a start waits for the lock of a coordinator that just died (its
  // server ends the session at once when the process is gone, but not before).
  NodeFence(std::vector<db::Pool*> participants, std::string node_id, std::chrono::seconds wait,
            std::chrono::milliseconds check_interval);
  ~NodeFence();

  // Takes the lock on every participant. Retries while a database cannot be reached (the
  // coordinator stays not ready meanwhile). Throws NodeIdTaken, naming the session that
  // holds it, when it is still held by another after the wait.
  boost::asio::awaitable<void> take();
  // Every check interval: still ours everywhere? A lock a restarted server let go is
  // taken again. One that another coordinator took meanwhile is fatal: this process
  // stops at once (its recovery and the other's would undo each other's decisions).
  boost::asio::awaitable<void> keep();
  void stop() { stopped_ = true; }

 private:
  std::string describe_holder(const std::string& participant, std::int64_t session,
                              const std::string& host) const;

  std::string node_id_;
  std::string lock_name_;
  std::chrono::seconds wait_;
  std::chrono::milliseconds check_interval_;
  // Per participant, the session that holds the lock.
  std::map<std::string, std::unique_ptr<db::Session>> sessions_;
  bool stopped_ = false;
};

}  // namespace xacoord
