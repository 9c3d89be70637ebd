// One node id, one live owner: a coordinator registers its node id in etcd under a lease
// it keeps alive (docs/scale-out.md, "Membership and fencing").
//
// The registration is the key <root>/nodes/<node>, created with put-if-absent and bound
// to the owner's lease. Its create revision identifies this very registration: every
// write a coordinator makes for its node compares it (owned()), so once the lease has
// expired or been revoked — the key is then gone, or belongs to a later registration —
// none of its writes can land, however late they reach etcd.
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "coordinator/store/etcd/decision_keys.h"
#include "coordinator/store/etcd/etcd_client.h"
#include "coordinator/store/etcd/signal.h"

namespace xacoord::etcd {

// The node id is registered by another live coordinator.
class NodeOwned : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RegistrationOptions {
  std::chrono::seconds ttl{10};
  // How long acquire() waits for an earlier registration of the same id to disappear (a
  // crashed predecessor whose lease has not expired yet) before it refuses. 0: refuse at
  // once. A live owner keeps its lease alive, so waiting longer than the TTL tells the two
  // apart.
  std::chrono::milliseconds wait_for_previous{0};
  std::chrono::milliseconds poll_interval{250};
  // The caller knows that the previous owner is dead (it holds the node's lock on the
  // databases, which a live owner keeps): revoke the previous registration's lease at
  // once instead of waiting for it to expire. A live owner evicted by mistake is only
  // fenced off (its writes fail), never doubled.
  bool evict_previous = false;
  // A key whose presence keeps the id from being registered: the claim of a live node
  // taking over this id's dead run (takeover_claims.h). The registration's put compares it
  // absent, so a takeover and a new run of the id never overlap; while it is present,
  // acquire() waits for it to go, up to wait_for_blocker, then refuses.
  std::string blocked_by;
  std::chrono::milliseconds wait_for_blocker{120'000};
  // Stored as the key's value, for operators (who holds the id, since when).
  std::string description;
};

class NodeRegistration {
 public:
  // Grants a lease, registers `node_id` under it and starts keeping it alive. Throws
  // NodeOwned, or EtcdError when etcd cannot be reached. (No default for `options`: GCC 12
  // destroys a default argument of a coroutine twice.)
  static boost::asio::awaitable<std::unique_ptr<NodeRegistration>> acquire(
      Client& client, KeyLayout layout, std::string node_id, RegistrationOptions options);
  // Stops the keep-alive without revoking (the lease then expires as after a crash);
  // call release() first for a clean stop.
  ~NodeRegistration();
  NodeRegistration(const NodeRegistration&) = delete;
  NodeRegistration& operator=(const NodeRegistration&) = delete;

  const std::string& node_id() const { return node_id_; }
  const KeyLayout& layout() const { return layout_; }
  const std::string& key() const { return key_; }
  std::int64_t lease() const { return lease_; }
  std::int64_t revision() const { return revision_; }  // the registration's create revision
  std::chrono::seconds ttl() const { return options_.ttl; }
  // The fencing compare: this registration still holds the node id.
  Compare owned() const { return Compare::created_at(key_, revision_); }

  // etcd said the lease is gone (expired or revoked): this node may no longer decide.
  bool lost() const { return state_->lost; }
  // When etcd last confirmed the lease (the keep-alive loop's last success).
  std::chrono::steady_clock::time_point last_renewed() const { return state_->last_renewed; }
  // Called once, on the io_context, when the keep-alive learns that the lease is gone.
  void on_lost(std::function<void()> callback) { state_->on_lost = std::move(callback); }

  // Stops keeping the lease alive; it expires after its TTL (what a crash does). Tests.
  boost::asio::awaitable<void> abandon();
  // Stops the keep-alive and revokes the lease: the key goes at once.
  boost::asio::awaitable<void> release();

 private:
  struct State {
    explicit State(boost::asio::any_io_executor ex) : wake(ex), exited(ex) {}
    boost::asio::steady_timer wake;
    Signal exited;
    bool stopping = false;
    bool lost = false;
    std::chrono::steady_clock::time_point last_renewed;
    std::function<void()> on_lost;
  };
  NodeRegistration(Client& client, KeyLayout layout, std::string node_id,
                   RegistrationOptions options);
  static boost::asio::awaitable<void> keep_alive(Client& client, std::int64_t lease,
                                                 std::chrono::seconds ttl,
                                                 std::shared_ptr<State> state);
  boost::asio::awaitable<void> stop();

  Client& client_;
  KeyLayout layout_;
  std::string node_id_;
  std::string key_;
  RegistrationOptions options_;
  std::int64_t lease_ = 0;
  std::int64_t revision_ = 0;
  std::shared_ptr<State> state_;
  bool started_ = false;
};

}  // namespace xacoord::etcd
