#include "coordinator/store/etcd/node_registration.h"

#include <algorithm>
#include <optional>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace xacoord::etcd {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

asio::awaitable<void> sleep_on(asio::steady_timer& timer, std::chrono::milliseconds d) {
  timer.expires_after(d);
  boost::system::error_code ignored;  // cancelled when stopping: the caller checks
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

}  // namespace

NodeRegistration::NodeRegistration(Client& client, KeyLayout layout, std::string node_id,
                                   RegistrationOptions options)
    : client_(client),
      layout_(std::move(layout)),
      node_id_(std::move(node_id)),
      key_(layout_.node(node_id_)),
      options_(std::move(options)) {}

NodeRegistration::~NodeRegistration() {
  // The loop holds its own reference to the state; told to stop, it exits at its next
  // wake-up without touching this object.
  state_->stopping = true;
  state_->wake.cancel();
}

asio::awaitable<std::unique_ptr<NodeRegistration>> NodeRegistration::acquire(
    Client& client, KeyLayout layout, std::string node_id, RegistrationOptions options) {
  std::unique_ptr<NodeRegistration> reg(
      new NodeRegistration(client, std::move(layout), std::move(node_id), std::move(options)));
  auto executor = co_await asio::this_coro::executor;
  reg->state_ = std::make_shared<State>(executor);

  LeaseGrant grant = co_await client.lease_grant(reg->options_.ttl.count());
  reg->lease_ = grant.id;
  // etcd raises a TTL below its minimum (1.5 election timeouts); renew by what it granted.
  if (grant.ttl > reg->options_.ttl.count()) reg->options_.ttl = std::chrono::seconds(grant.ttl);
  auto give_up = Clock::now() + reg->options_.wait_for_previous;
  auto renewed = Clock::now();
  bool evicted = false;
  std::optional<Clock::time_point> blocked_since;
  std::string refusal;
  while (true) {
    // While waiting for a predecessor's lease to expire, keep our own alive.
    if (Clock::now() - renewed > reg->options_.ttl / 3) {
      if (co_await client.lease_keep_alive(reg->lease_) <= 0) {
        reg->lease_ = (co_await client.lease_grant(reg->options_.ttl.count())).id;
      }
      renewed = Clock::now();
    }
    TxnRequest t;
    t.compare.push_back(Compare::absent(reg->key_));
    const bool blockable = !reg->options_.blocked_by.empty();
    if (blockable) t.compare.push_back(Compare::absent(reg->options_.blocked_by));
    t.success.push_back(put(reg->key_, reg->options_.description, reg->lease_));
    t.failure.push_back(get(reg->key_));
    if (blockable) t.failure.push_back(get(reg->options_.blocked_by));
    std::optional<TxnResult> r;
    std::optional<EtcdError> failed;
    try {
      r = co_await client.txn(t);
    } catch (const EtcdError& e) {
      if (!e.ambiguous()) failed = e;
    }
    if (failed) {
      try {
        co_await client.lease_revoke(reg->lease_);
      } catch (const EtcdError&) {
        // It expires by itself.
      }
      throw *failed;
    }
    if (!r) {
      // The answer was lost: read back whether the key is ours (bound to our lease).
      RangeResult back = co_await client.get(reg->key_);
      if (!back.kvs.empty() && back.kvs[0].lease == reg->lease_) {
        reg->revision_ = back.kvs[0].create_revision;
        break;
      }
      continue;
    }
    if (r->succeeded) {
      reg->revision_ = r->revision;
      break;
    }
    const auto& existing = std::get<RangeResult>(r->responses.at(0));
    if (existing.kvs.empty() && blockable) {
      // Only the blocker is there: a takeover of this id's previous run is under way.
      const auto& blocker = std::get<RangeResult>(r->responses.at(1));
      if (!blocked_since) blocked_since = Clock::now();
      if (Clock::now() - *blocked_since >= reg->options_.wait_for_blocker) {
        co_await client.lease_revoke(reg->lease_);
        throw NodeOwned("node id " + reg->node_id_ + " is being taken over (" +
                        reg->options_.blocked_by + ": " +
                        (blocker.kvs.empty() ? std::string("?") : blocker.kvs[0].value) +
                        ") and the takeover did not finish in time");
      }
      give_up = std::max(give_up, Clock::now() + reg->options_.poll_interval);
      co_await sleep_on(reg->state_->wake, reg->options_.poll_interval);
      continue;
    }
    if (!existing.kvs.empty() && reg->options_.evict_previous && existing.kvs[0].lease != 0 &&
        !evicted) {
      // The caller knows the previous owner is dead: end its lease now (its writes are
      // fenced from this moment) instead of waiting for it to expire.
      evicted = true;
      co_await client.lease_revoke(existing.kvs[0].lease);
      continue;
    }
    if (!existing.kvs.empty()) {
      const KeyValue& kv = existing.kvs[0];
      refusal = "node id " + reg->node_id_ + " is registered by a live coordinator (lease " +
                std::to_string(kv.lease) + ", since revision " +
                std::to_string(kv.create_revision) + (kv.value.empty() ? "" : ": " + kv.value) +
                ")";
    }
    if (Clock::now() >= give_up) {
      co_await client.lease_revoke(reg->lease_);
      throw NodeOwned(refusal);
    }
    co_await sleep_on(reg->state_->wake, reg->options_.poll_interval);
  }

  reg->state_->last_renewed = Clock::now();
  reg->started_ = true;
  asio::co_spawn(executor, keep_alive(client, reg->lease_, reg->options_.ttl, reg->state_),
                 asio::detached);
  co_return reg;
}

asio::awaitable<void> NodeRegistration::keep_alive(Client& client, std::int64_t lease,
                                                   std::chrono::seconds ttl,
                                                   std::shared_ptr<State> state) {
  // Renew at a third of the TTL, so two renewals may fail before the lease is at risk;
  // after a failure try again sooner. Each renewal's deadline is the next one's start.
  const std::chrono::milliseconds period =
      std::chrono::duration_cast<std::chrono::milliseconds>(ttl) / 3;
  const std::chrono::milliseconds retry = std::min(period, std::chrono::milliseconds(500));
  std::chrono::milliseconds next = period;
  while (!state->stopping) {
    co_await sleep_on(state->wake, next);
    if (state->stopping) break;
    try {
      auto sent_at = Clock::now();
      std::int64_t left = co_await client.lease_keep_alive(lease, Client::after(period));
      if (state->stopping) break;
      if (left <= 0) {
        state->lost = true;
        if (state->on_lost) state->on_lost();
        break;
      }
      state->last_renewed = sent_at;
      next = period;
    } catch (const EtcdError&) {
      next = retry;  // unreachable for now; the lease may still be alive
    }
  }
  state->exited.notify();
}

asio::awaitable<void> NodeRegistration::stop() {
  if (!started_) co_return;
  state_->stopping = true;
  state_->wake.cancel();
  co_await state_->exited.wait();
  started_ = false;
}

asio::awaitable<void> NodeRegistration::abandon() {
  co_await stop();
}

asio::awaitable<void> NodeRegistration::release() {
  co_await stop();
  co_await client_.lease_revoke(lease_);
  state_->lost = true;
}

}  // namespace xacoord::etcd
