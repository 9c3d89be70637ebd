// Who takes over a dead node, in etcd (docs/scale-out.md, "Takeover"). A node is dead when
// its registration is gone (its lease expired or was revoked) and the run that its epoch
// counter names has not been taken over yet:
//
//   <root>/epochs/<node>      bumped by every run of the node, while it is registered
//   <root>/nodes/<node>       the live run's registration (node_registration.h)
//   <root>/takeovers/<node>   a claim: the node taking over, bound to the taker's lease
//   <root>/taken-over/<node>  the epoch of the last run whose takeover finished
//
// claim() is one transaction that wins for one live node only: the dead node is still
// unregistered, nobody claims it, its epoch and last takeover are what the caller read,
// and the caller still owns its own registration. A new run of the dead node registers
// only while no claim exists (RegistrationOptions::blocked_by), so a takeover and a new
// run of the same id never overlap. A taker that dies mid-way loses its claim with its
// lease, and another live node claims the node again.
//
// Not thread-safe: one io_context thread, like the Client.
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "coordinator/store/etcd/etcd_client.h"
#include "coordinator/store/etcd/node_registration.h"

namespace xacoord::etcd {

// A node whose last run ended and was not taken over, as read at one revision.
struct DeadNode {
  std::string node_id;
  std::string epoch;           // the value of <root>/epochs/<node>
  std::int64_t epoch_mod = 0;  // its mod revision
  std::int64_t taken_mod = 0;  // mod revision of <root>/taken-over/<node> (0: never)
};

struct TakeoverClaim {
  std::string node_id;
  std::string epoch;
  std::int64_t revision = 0;  // the claim key's create revision
};

class TakeoverClaims {
 public:
  // `self` is the taker's own registration; both must outlive this object.
  TakeoverClaims(Client& client, const NodeRegistration& self);

  // Every node but this one that is dead and neither taken over nor claimed. Throws
  // EtcdError when etcd cannot be read.
  boost::asio::awaitable<std::vector<DeadNode>> dead_nodes();
  // Claims the takeover of `node`: the claim, or nullopt if another node won it, the node
  // lives again, or this node no longer owns its registration. Throws EtcdError when etcd
  // cannot tell.
  boost::asio::awaitable<std::optional<TakeoverClaim>> claim(const DeadNode& node);
  // The claim still holds (the taker's lease is alive and nobody replaced it).
  boost::asio::awaitable<bool> holds(const TakeoverClaim& claim);
  // Records the takeover as finished (the epoch it covered) and drops the claim, in one
  // transaction. false if the claim was lost meanwhile (another node takes over again,
  // which is harmless: everything it finds is finished already).
  boost::asio::awaitable<bool> finish(const TakeoverClaim& claim);
  // Drops the claim without recording anything: another node takes over.
  boost::asio::awaitable<void> drop(const TakeoverClaim& claim);

  // A clean stop with nothing left in doubt: records this node's own run `epoch` as taken
  // over already, so no live node needs to look (fenced by the registration). false if
  // it could not be written; a takeover then finds nothing, which is harmless.
  boost::asio::awaitable<bool> record_clean_stop(std::uint64_t epoch);

  const NodeRegistration& self() const { return self_; }

 private:
  Client& client_;
  const NodeRegistration& self_;
  const KeyLayout& layout_;
};

}  // namespace xacoord::etcd
