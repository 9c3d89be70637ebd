#include "coordinator/app/coordinator.h"

#include <cstdio>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "coordinator/http/api_routes.h"
#include "coordinator/http/dashboard_routes.h"
#include "coordinator/observability/event_log.h"
#include "coordinator/recovery/async_sleep.h"

namespace xacoord {

namespace asio = boost::asio;
using std::chrono::milliseconds;

Coordinator::Coordinator(ServeConfig config) : config_(std::move(config)) {
  dlog::Options log_options;
  log_options.segment_bytes = static_cast<std::uint64_t>(config_.segment_bytes);
  log_options.observer = &metrics_;
  log_ = dlog::DecisionLog::open(dlog::posix_file_system(), config_.log_dir, log_options);
  for (const auto& repair : log_->repairs_at_open()) {
    log_event("decision_log_repaired",
              {{"action", repair.kind == dlog::Repair::Kind::kTruncate ? "truncated" : "removed"},
               {"file", repair.path},
               {"offset", repair.offset},
               {"reason", repair.reason}});
  }

  db::Timeouts timeouts;
  timeouts.connect = std::chrono::seconds(config_.connect_timeout_seconds);
  timeouts.read = std::chrono::seconds(config_.read_timeout_seconds);
  timeouts.write = std::chrono::seconds(config_.read_timeout_seconds);
  timeouts.lock_wait_seconds = static_cast<int>(config_.lock_wait_seconds);
  auto size = static_cast<std::size_t>(config_.pool_size);
  orders_ =
      std::make_unique<db::Pool>("orders", db::Endpoint::parse(config_.orders), timeouts, size);
  payments_ =
      std::make_unique<db::Pool>("payments", db::Endpoint::parse(config_.payments), timeouts, size);
  std::vector<db::Pool*> participants{orders_.get(), payments_.get()};

  Resolver::Options recovery;
  recovery.node_id = config_.node_id;
  recovery.max_backoff = config_.retry_max_backoff;
  recovery.orphan_grace = config_.orphan_grace;
  recovery.stuck_after = config_.stuck_after;
  resolver_ = std::make_unique<Resolver>(io_.get_executor(), participants, *log_, txns_, metrics_,
                                         recovery);

  TwoPhaseCommit::Options engine;
  engine.node_id = config_.node_id;
  engine.deadline = config_.deadline;
  engine.unsafe_no_2pc = config_.unsafe_no_2pc;
  engine_ = std::make_unique<TwoPhaseCommit>(*log_, txns_, *resolver_, metrics_, engine);

  health_ = std::make_unique<HealthMonitor>(participants, config_.health_interval);
  fence_ = std::make_unique<NodeFence>(participants, config_.node_id,
                                       std::chrono::seconds(config_.node_lock_wait_seconds),
                                       config_.health_interval);
  OrderService::Options service;
  service.idempotency_retention =
      std::chrono::duration_cast<std::chrono::seconds>(config_.idempotency_retention);
  service_ =
      std::make_unique<OrderService>(*engine_, *orders_, *payments_, *health_, metrics_, service);

  http::add_api_routes(router_,
                       http::ApiContext{*service_, txns_, *resolver_, *health_, registry_,
                                        [this] { return recovered_; }, [this] { return stopping_; },
                                        config_.admin_token});
  http::add_dashboard_routes(router_);
  http::ServerOptions server;
  server.listen = config_.listen;
  server.read_timeout = config_.http_read_timeout;
  server.max_connections = static_cast<std::size_t>(config_.max_connections);
  server_ = std::make_unique<http::Server>(io_, router_, metrics_, server);
  register_gauges();
}

void Coordinator::register_gauges() {
  registry_.gauge_fn("xacoord_transactions_in_flight",
                     "Transactions begun and not yet decided and answered", {},
                     [this] { return static_cast<double>(engine_->in_flight()); });
  registry_.gauge_fn("xacoord_in_doubt_branches",
                     "Prepared branches waiting for recovery to finish phase two", {},
                     [this] { return static_cast<double>(resolver_->pending()); });
  registry_.gauge_fn("xacoord_stuck_branches",
                     "In-doubt branches older than --stuck-after (alert on > 0)", {},
                     [this] { return static_cast<double>(resolver_->stuck()); });
  registry_.gauge_fn("xacoord_ready", "1 once start-up recovery has finished", {},
                     [this] { return recovered_ ? 1.0 : 0.0; });
  registry_.gauge_fn("xacoord_decision_log_epoch", "Epoch of this run of the coordinator", {},
                     [this] { return static_cast<double>(log_->epoch()); });
  registry_.gauge_fn("xacoord_http_connections", "Open HTTP connections", {},
                     [this] { return static_cast<double>(server_->connections()); });
  for (db::Pool* pool : {orders_.get(), payments_.get()}) {
    metrics_.declare_participant(pool->participant());
    metrics::Labels labels{{"participant", pool->participant()}};
    registry_.gauge_fn("xacoord_pool_sessions_in_use", "Sessions leased to transactions", labels,
                       [pool] { return static_cast<double>(pool->in_use()); });
    registry_.gauge_fn("xacoord_pool_sessions_max", "Pool bound", labels,
                       [pool] { return static_cast<double>(pool->size()); });
    registry_.gauge_fn("xacoord_pool_waiters", "Transactions waiting for a session", labels,
                       [pool] { return static_cast<double>(pool->waiting()); });
    registry_.gauge_fn("xacoord_database_up", "1 while the database answers pings", labels,
                       [this, pool] { return health_->up(pool->participant()) ? 1.0 : 0.0; });
  }
}

int Coordinator::run() {
  server_->start();
  log_event("listening", {{"address", config_.listen},
                          {"port", server_->port()},
                          {"node_id", config_.node_id},
                          {"epoch", log_->epoch()},
                          {"log_dir", config_.log_dir},
                          {"orders", db::Endpoint::parse(config_.orders).url()},
                          {"payments", db::Endpoint::parse(config_.payments).url()},
                          {"unsafe_no_2pc", config_.unsafe_no_2pc}});
  asio::co_spawn(io_, health_->run(), asio::detached);
  asio::co_spawn(io_, recover_then_scan(), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const NodeIdTaken& x) {
      log_event("node_id_in_use", {{"error", x.what()}});
      std::fprintf(stderr, "xacoord serve: %s\n", x.what());
    } catch (const std::exception& x) {
      log_event("recovery_failed", {{"error", x.what()}});
    }
    std::fflush(stderr);
    std::_Exit(1);  // recovery cannot go on: refuse to serve rather than guess
  });
  asio::co_spawn(io_, expire_keys(), asio::detached);
  asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([this, &signals](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log_event("stopping", {{"signal", signal}, {"in_flight", engine_->in_flight()}});
    asio::co_spawn(io_, drain_and_stop(), asio::detached);
    // A second signal does not wait for the drain (recovery finishes what it cuts short).
    signals.async_wait([](const boost::system::error_code& again, int second) {
      if (again) return;
      log_event("stopping_now", {{"signal", second}});
      std::fflush(stderr);
      std::_Exit(1);
    });
  });
  io_.run();
  return 0;
}

asio::awaitable<void> Coordinator::recover_then_scan() {
  // The node's lock first: recovery acts on everything of this node id it finds, which is
  // only right while no other coordinator runs as the same node.
  co_await fence_->take();
  asio::co_spawn(io_, fence_->keep(), asio::detached);
  co_await resolver_->recover_at_startup();
  recovered_ = true;
  log_event("ready", {{"port", server_->port()}});
  while (!stopping_) {
    co_await sleep_for(config_.orphan_scan_interval);
    if (recovered_) co_await resolver_->scan_orphans();
  }
}

asio::awaitable<void> Coordinator::expire_keys() {
  while (!stopping_) {
    if (recovered_) {
      try {
        // A batch at a time, until a batch comes back short: the backlog never grows.
        std::int64_t removed = 0, batch = 0;
        do {
          batch = co_await service_->expire_idempotency_keys();
          removed += batch;
        } while (batch >= OrderService::kExpiryBatch && !stopping_);
        if (removed > 0) log_event("idempotency_keys_expired", {{"count", removed}});
      } catch (const std::exception& e) {
        log_event("idempotency_expiry_failed", {{"error", e.what()}});
      }
    }
    co_await sleep_for(milliseconds(60'000));
  }
}

// Graceful stop: accept nothing new, let transactions in flight finish and their answers
// go out (up to the grace), then stop. Whatever is still in doubt is finished by the next
// start's recovery.
asio::awaitable<void> Coordinator::drain_and_stop() {
  stopping_ = true;
  server_->stop();
  auto until = std::chrono::steady_clock::now() + config_.shutdown_grace;
  while ((engine_->in_flight() > 0 || server_->requests_in_progress() > 0) &&
         std::chrono::steady_clock::now() < until) {
    co_await sleep_for(milliseconds(10));
  }
  log_event("stopped", {{"in_flight", engine_->in_flight()},
                        {"unanswered_requests", server_->requests_in_progress()},
                        {"in_doubt", resolver_->pending()}});
  resolver_->stop();
  health_->stop();
  fence_->stop();
  io_.stop();
}

}  // namespace xacoord
