#include "coordinator/recovery/node_fence.h"

#include <cstdio>
#include <cstdlib>

#include <boost/asio/use_awaitable.hpp>

#include "coordinator/observability/event_log.h"
#include "common/clock.h"
#include "participants/db_error.h"
#include "participants/node_lock.h"

namespace xacoord {

namespace asio = boost::asio;
using std::chrono::milliseconds;

NodeFence::NodeFence(std::vector<db::Pool*> participants, std::string node_id,
                     std::chrono::seconds wait, milliseconds check_interval)
    : node_id_(std::move(node_id)),
      lock_name_(db::node_lock_name(node_id_)),
      wait_(wait),
      check_interval_(check_interval) {
  for (db::Pool* pool : participants) {
    db::Timeouts timeouts = pool->factory().timeouts();
    // GET_LOCK waits on the server: the read must outlast it.
    timeouts.read = wait + std::chrono::seconds(5);
    timeouts.write = timeouts.read;
    sessions_[pool->participant()] = pool->factory().make_session("fence", timeouts);
  }
}

NodeFence::~NodeFence() = default;

std::string NodeFence::describe_holder(const std::string& participant, std::int64_t session,
                                       const std::string& host) const {
  std::string holder =
      session == 0 ? std::string("another session")
                   : "session " + std::to_string(session) + (host.empty() ? "" : " from " + host);
  return "node id '" + node_id_ + "' is in use: " + holder + " holds the lock '" + lock_name_ +
         "' on the " + participant +
         " database. Another coordinator runs as this node; give each coordinator its own "
         "--node-id (if that coordinator is gone for good, KILL " +
         (session == 0 ? std::string("its session") : std::to_string(session)) +
         " on that server and start again)";
}

asio::awaitable<void> NodeFence::take() {
  for (auto& [name, session] : sessions_) {
    milliseconds backoff{100};
    for (;;) {
      if (stopped_) co_return;
      try {
        const int wait = static_cast<int>(wait_.count());
        auto state = co_await db::take_node_lock(*session, lock_name_, wait);
        if (!state.held)
          throw NodeIdTaken(describe_holder(name, state.other_session, state.other_host));
        log_event("node_lock_taken", {{"participant", name}, {"lock", lock_name_}});
        break;
      } catch (const db::DbError& e) {
        log_event("node_lock_waiting_for_database", {{"participant", name}, {"error", e.what()}});
      }
      co_await sleep_for(backoff);
      backoff = std::min(backoff * 2, milliseconds(2'000));
    }
  }
}

asio::awaitable<void> NodeFence::keep() {
  while (!stopped_) {
    co_await sleep_for(check_interval_);
    for (auto& [name, session] : sessions_) {
      if (stopped_) co_return;
      db::NodeLockState state;
      try {
        const int wait = static_cast<int>(wait_.count());
        state = co_await db::keep_node_lock(*session, lock_name_, wait);
      } catch (const db::DbError&) {
        continue;  // unreachable: the health monitor reports it; taken again once it is back
      }
      if (state.held) continue;
      std::string why = describe_holder(name, state.other_session, state.other_host);
      log_event("node_lock_lost", {{"participant", name}, {"error", why}});
      std::fprintf(stderr, "FATAL: %s\n", why.c_str());
      std::fflush(stderr);
      std::abort();
    }
  }
}

}  // namespace xacoord
