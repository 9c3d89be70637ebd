#include "coordinator/observability/health_monitor.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "coordinator/observability/event_log.h"
#include "participants/db_error.h"
#include "protocol/problem.h"

namespace xacoord {

namespace asio = boost::asio;

HealthMonitor::HealthMonitor(std::vector<db::Pool*> participants,
                             std::chrono::milliseconds interval)
    : interval_(interval) {
  for (db::Pool* pool : participants) {
    db::Timeouts quick = pool->factory().timeouts();
    quick.connect = std::chrono::seconds(1);
    quick.read = std::chrono::seconds(2);
    quick.write = std::chrono::seconds(2);
    Probe& probe = probes_[pool->participant()];
    probe.pool = pool;
    probe.session = pool->factory().make_session("health", quick);
  }
}

HealthMonitor::~HealthMonitor() = default;

asio::awaitable<void> HealthMonitor::run() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!stopped_) {
    // All at once: a server that hangs (paused, or a network that drops packets) costs its
    // probe the read timeout, and must not delay what the others report.
    std::vector<Probe*> probes;
    std::vector<db::SessionJob> jobs;
    for (auto& [name, probe] : probes_) {
      probes.push_back(&probe);
      std::vector<std::string> ping;
      ping.push_back("SELECT 1");
      jobs.push_back(db::SessionJob{probe.session.get(), std::move(ping)});
    }
    auto errors = co_await db::run_parallel(std::move(jobs));
    for (std::size_t i = 0; i < probes.size(); ++i) {
      Probe& probe = *probes[i];
      bool was_up = probe.up;
      probe.up = !errors[i];
      probe.last_error.clear();
      if (errors[i]) {
        try {
          std::rethrow_exception(errors[i]);
        } catch (const std::exception& e) {
          probe.last_error = e.what();
        }
      }
      if (was_up != probe.up) {
        // Down, or back from down (a restart between two pings shows as a failed ping on
        // the probe's own dead session): the pool's idle sessions are dead too.
        probe.pool->drop_idle_sessions();
        log_event(probe.up ? "database_up" : "database_down",
                  {{"participant", probe.pool->participant()},
                   {"address", probe.pool->factory().address()},
                   {"error", probe.last_error}});
      }
    }
    timer.expires_after(interval_);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

bool HealthMonitor::up(const std::string& participant) const {
  auto it = probes_.find(participant);
  return it != probes_.end() && it->second.up;
}

bool HealthMonitor::all_up() const {
  for (const auto& [name, probe] : probes_) {
    if (!probe.up) return false;
  }
  return true;
}

void HealthMonitor::require_up(const db::Pool& pool) const {
  auto it = probes_.find(pool.participant());
  if (it == probes_.end() || it->second.up) return;
  throw ProblemError(problems::unavailable(
      "the " + pool.participant() + " database at " + pool.factory().address() +
          " is unreachable (" + it->second.last_error + "); nothing changed, retry later",
      2));
}

}  // namespace xacoord
