#include "coordinator/recovery/node_fence.h"

#include <cstdio>
#include <cstdlib>
#include <optional>

#include "coordinator/observability/event_log.h"
#include "participants/db_error.h"
#include "participants/node_lock.h"
#include "participants/server_session.h"

namespace xacoord {

namespace asio = boost::asio;
using std::chrono::milliseconds;

NodeFence::NodeFence(std::vector<db::Pool*> participants, Options options, Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      lock_name_(db::node_lock_name(options_.node_id)) {
  for (db::Pool* pool : participants) {
    db::Timeouts timeouts = pool->factory().timeouts();
    // GET_LOCK waits on the server: the read must outlast it.
    timeouts.read = options_.wait + std::chrono::seconds(5);
    timeouts.write = timeouts.read;
    holders_[pool->participant()].session = pool->factory().make_session("fence", timeouts);
  }
}

NodeFence::~NodeFence() = default;

std::string NodeFence::describe_holder(const std::string& participant, std::int64_t session,
                                       const std::string& host) const {
  std::string holder =
      session == 0 ? std::string("another session")
                   : "session " + std::to_string(session) + (host.empty() ? "" : " from " + host);
  return "node id '" + options_.node_id + "' is in use: " + holder + " holds the lock '" +
         lock_name_ + "' on the " + participant +
         " database. Another coordinator runs as this node; give each coordinator its own "
         "--node-id (if that coordinator is gone for good, KILL " +
         (session == 0 ? std::string("its session") : std::to_string(session)) +
         " on that server and start again)";
}

bool NodeFence::owned() const {
  const auto lease = std::chrono::duration_cast<milliseconds>(options_.stale) / 2;
  const auto now = clock_.now();
  for (const auto& [name, holder] : holders_) {
    if (!holder.held_by || now - holder.confirmed_at > lease) return false;
  }
  return true;
}

asio::awaitable<void> NodeFence::take_one(const std::string& name, Holder& holder) {
  milliseconds backoff{100};
  const int wait = static_cast<int>(options_.wait.count());
  // A holder of a dead run is waited for until it is stale, and no longer than that.
  const auto give_up = clock_.now() + options_.stale + options_.wait + std::chrono::seconds(5);
  // A live holder's idle time starts again at every check its coordinator makes; a dead
  // one's only grows. Seen to shrink (or not to grow with the clock): it lives.
  std::optional<std::pair<std::int64_t, SteadyTime>> last_seen;
  for (;;) {
    if (stopped_) co_return;
    std::string problem;
    try {
      auto state = co_await db::take_node_lock(*holder.session, lock_name_, wait);
      if (state.held) {
        holder.held_by = holder.session->server_session();
        holder.confirmed_at = clock_.now();
        log_event("node_lock_taken", {{"participant", name}, {"lock", lock_name_}});
        co_return;
      }
      std::string sql =
          db::lock_holder_of_other_run_sql(lock_name_, options_.node_id, options_.run);
      auto dead_run = db::registered_from(co_await db::query(*holder.session, std::move(sql)));
      bool alive = dead_run.empty() || !dead_run[0].sleeping || clock_.now() > give_up;
      if (!alive && last_seen) {
        const auto waited =
            std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - last_seen->second);
        alive = dead_run[0].idle_seconds < last_seen->first + waited.count() - 1;
      }
      if (alive) throw NodeIdTaken(describe_holder(name, state.other_session, state.other_host));
      last_seen = {dead_run[0].idle_seconds, clock_.now()};
      if (dead_run[0].idle_seconds >= options_.stale.count()) {
        log_event("node_lock_holder_of_earlier_run_ended",
                  {{"participant", name},
                   {"session", dead_run[0].session.id},
                   {"idle_seconds", dead_run[0].idle_seconds}});
        co_await db::end_session(*holder.session, dead_run[0].session, std::chrono::seconds(5),
                                 clock_);
        continue;
      }
      log_event("node_lock_held_by_idle_session_of_earlier_run",
                {{"participant", name},
                 {"session", dead_run[0].session.id},
                 {"idle_seconds", dead_run[0].idle_seconds},
                 {"ended_after_seconds", options_.stale.count()}});
      co_await sleep_for(clock_, milliseconds(2'000));
      continue;
    } catch (const db::DbError& e) {
      problem = e.what();
    }
    log_event("node_lock_waiting_for_database", {{"participant", name}, {"error", problem}});
    co_await sleep_for(clock_, backoff);
    backoff = std::min(backoff * 2, milliseconds(2'000));
  }
}

asio::awaitable<void> NodeFence::take() {
  for (auto& [name, holder] : holders_)
    co_await take_one(name, holder);
}

asio::awaitable<void> NodeFence::keep() {
  while (!stopped_) {
    co_await sleep_for(clock_, options_.check_interval);
    for (auto& [name, holder] : holders_) {
      if (stopped_) co_return;
      db::NodeLockState state;
      bool asked = false;
      try {
        state = co_await db::keep_node_lock(*holder.session, lock_name_, /*wait_seconds=*/0);
        asked = true;
        if (!state.held && holder.held_by && state.other_session == holder.held_by.id) {
          // Our own earlier fence session, which the server still keeps (a partition, or a
          // read that timed out on our side only): end it, then take the lock again.
          co_await db::end_session(*holder.session, holder.held_by, std::chrono::seconds(5),
                                   clock_);
          const int wait = static_cast<int>(options_.wait.count());
          state = co_await db::take_node_lock(*holder.session, lock_name_, wait);
        }
      } catch (const db::DbError&) {
        continue;  // unreachable: the health monitor reports it; taken again once it is back
      }
      if (asked && state.held) {
        holder.held_by = holder.session->server_session();
        holder.confirmed_at = clock_.now();
        continue;
      }
      std::string why = describe_holder(name, state.other_session, state.other_host);
      log_event("node_lock_lost", {{"participant", name}, {"error", why}});
      std::fprintf(stderr, "FATAL: %s\n", why.c_str());
      std::fflush(stderr);
      std::abort();
    }
  }
}

}  // namespace xacoord
