#include "coordinator/app/coordinator.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "coordinator/architectures/naive/naive_architecture.h"
#include "coordinator/architectures/outbox/outbox_architecture.h"
#include "coordinator/architectures/saga/saga_architecture.h"
#include "coordinator/architectures/tcc/tcc_architecture.h"
#include "coordinator/architectures/xa/xa_architecture.h"
#include "coordinator/demo/demo.h"
#include "coordinator/http/api_routes.h"
#include "coordinator/http/dashboard_routes.h"
#include "coordinator/observability/event_log.h"
#include "coordinator/store/file_decision_store.h"
#include "participants/async_session.h"
#include "participants/lane_session.h"

namespace xacoord {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

// A token of this process, unlike any earlier run's: 16 random hex digits.
std::string run_token() {
  std::random_device random;
  std::uint64_t bits = (std::uint64_t{random()} << 32) ^ random();
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(bits));
  return text;
}

}  // namespace

Coordinator::Coordinator(ServeConfig config) : config_(std::move(config)) {
  if (config_.decision_store != "file") {
    open_etcd_store();
  } else {
    open_file_store();
  }

  db::Timeouts timeouts;
  timeouts.connect = std::chrono::seconds(config_.connect_timeout_seconds);
  timeouts.read = std::chrono::seconds(config_.read_timeout_seconds);
  timeouts.write = std::chrono::seconds(config_.read_timeout_seconds);
  timeouts.lock_wait_seconds = static_cast<int>(config_.lock_wait_seconds);
  auto size = static_cast<std::size_t>(config_.pool_size);
  // Every session registers itself on its server under this node and run, so a later
  // start of the node can end the sessions a dead run left (participants/server_session.h).
  const db::SessionOwner owner{config_.node_id, run_token()};
  auto sessions = [&](const char* participant,
                      const std::string& url) -> std::unique_ptr<db::SessionFactory> {
    if (config_.db_client == "lanes")
      return std::make_unique<db::LaneSessionFactory>(participant, db::Endpoint::parse(url),
                                                      timeouts, owner);
    return std::make_unique<db::AsyncSessionFactory>(participant, db::Endpoint::parse(url),
                                                     timeouts, owner);
  };
  orders_sessions_ = sessions("orders", config_.orders);
  payments_sessions_ = sessions("payments", config_.payments);
  orders_ = std::make_unique<db::Pool>(io_.get_executor(), *orders_sessions_, size, clock_);
  payments_ = std::make_unique<db::Pool>(io_.get_executor(), *payments_sessions_, size, clock_);
  std::vector<db::Pool*> participants{orders_.get(), payments_.get()};

  txns_ = std::make_unique<TransactionTable>(*store_, metrics_, clock_,
                                             static_cast<std::size_t>(config_.txn_history));
  RecoveryOptions recovery;
  recovery.node_id = config_.node_id;
  recovery.run = owner.run;
  recovery.max_backoff = config_.retry_max_backoff;
  recovery.orphan_grace = config_.orphan_grace;
  recovery.stuck_after = config_.stuck_after;
  recovery.may_decide = [this] { return may_decide(); };
  resolver_ = std::make_unique<Resolver>(io_.get_executor(), participants, *txns_, *store_,
                                         metrics_, clock_, recovery);

  TwoPhaseCommit::Options engine;
  engine.node_id = config_.node_id;
  engine.deadline = config_.deadline;
  engine.may_decide = [this] { return may_decide(); };
  engine.outcome_unknown = [](const std::string& txn_id, const std::string& why) {
    // No answer is safe and no rollback either: stop with the branches prepared. A live
    // node (or this one's restart) resolves them from etcd (docs/scale-out.md).
    log_event("decision_outcome_unknown", {{"txn_id", txn_id}, {"error", why}});
    std::fprintf(stderr,
                 "xacoord serve: the commit decision of %s could not be settled (%s); "
                 "stopping\n",
                 txn_id.c_str(), why.c_str());
    std::fflush(stderr);
    std::_Exit(1);
  };
  if (config_.demo) {
    // The slowed pay of the demo waits at each step (coordinator/demo/demo.h).
    engine.at_step = [this](const Transaction& txn, CrashPoint point) -> asio::awaitable<void> {
      if (demo_) co_await demo_->at_step(txn, point);
    };
  }
  engine_ = std::make_unique<TwoPhaseCommit>(*txns_, *store_, resolver_->handoff(), metrics_,
                                             clock_, engine);

  health_ = std::make_unique<HealthMonitor>(participants, config_.health_interval);
  if (config_.reconcile_every.count() > 0) {
    ScheduledReconciliation::Options reconcile;
    reconcile.every = config_.reconcile_every;
    reconcile.node_id = config_.node_id;
    reconcile.account_prefix = config_.reconcile_account_prefix;
    reconciliation_ = std::make_unique<ScheduledReconciliation>(
        *orders_sessions_, *payments_sessions_, registry_, reconcile);
  }
  NodeFence::Options fence;
  fence.node_id = config_.node_id;
  fence.run = owner.run;
  fence.wait = std::chrono::seconds(config_.node_lock_wait_seconds);
  fence.check_interval = config_.health_interval;
  fence.stale = std::chrono::seconds(config_.node_lock_stale_seconds);
  fence_ = std::make_unique<NodeFence>(participants, fence, clock_);
  if (registration_) {
    NodeTakeover::Options takeover;
    takeover.run = owner.run;
    takeover.poll_interval = std::min(milliseconds(500), config_.takeover_after / 4);
    takeover.max_backoff = std::min(config_.retry_max_backoff, milliseconds(2'000));
    takeover.may_decide = [this] { return may_decide(); };
    takeover_ = std::make_unique<NodeTakeover>(io_.get_executor(), participants, metrics_, clock_,
                                               *etcd_client_, *registration_, takeover);
  }
  idempotency_ = std::make_unique<Idempotency>(
      metrics_, std::chrono::duration_cast<std::chrono::seconds>(config_.idempotency_retention));
  make_architecture();
  OrderService::Options service;
  service.idempotency_retention = idempotency_->retention();
  service.read_deadline = config_.deadline;
  service_ = std::make_unique<OrderService>(*architecture_, *orders_, *payments_, *health_, service,
                                            clock_);

  http::ApiContext api{*service_,
                       *txns_,
                       *resolver_,
                       *health_,
                       registry_,
                       [this] { return recovered_; },
                       [this] { return stopping_; },
                       config_.admin_token,
                       config_.node_id,
                       [this] { return reconcile_report(); }};
  api.participants = participants;
  api.listen = config_.listen;
  api.started_at = rfc3339_utc(clock_.wall_now());
  api.epoch = [this] { return store_->epoch(); };
  api.demo = config_.demo;
  api.clock = &clock_;
  http::add_api_routes(router_, std::move(api));
  http::add_dashboard_routes(router_);
  make_demo();
  http::ServerOptions server;
  server.listen = config_.listen;
  server.read_timeout = config_.http_read_timeout;
  server.max_connections = static_cast<std::size_t>(config_.max_connections);
  server_ = std::make_unique<http::Server>(io_, router_, metrics_, server);
  register_gauges();
}

void Coordinator::open_file_store() {
  dlog::Options log_options;
  log_options.segment_bytes = static_cast<std::uint64_t>(config_.segment_bytes);
  log_options.observer = &metrics_;
  log_options.injected_sync_delay = config_.injected_sync_delay;
  log_ = dlog::DecisionLog::open(dlog::posix_file_system(), config_.log_dir, log_options);
  for (const auto& repair : log_->repairs_at_open()) {
    log_event("decision_log_repaired",
              {{"action", repair.kind == dlog::Repair::Kind::kTruncate ? "truncated" : "removed"},
               {"file", repair.path},
               {"offset", repair.offset},
               {"reason", repair.reason}});
  }
  store_ = std::make_unique<FileDecisionStore>(*log_);
}

asio::awaitable<void> Coordinator::register_and_open() {
  etcd::RegistrationOptions options;
  options.ttl = std::chrono::duration_cast<std::chrono::seconds>(config_.takeover_after);
  // A predecessor that crashed moments ago still holds the id until its lease expires; a
  // live one renews it, so waiting a little past the TTL tells the two apart.
  options.wait_for_previous = config_.takeover_after + milliseconds(3'000);
  etcd::KeyLayout layout;
  options.blocked_by = layout.takeover(config_.node_id);
  options.description = "listen " + config_.listen + ", pid " + std::to_string(::getpid());
  registration_ =
      co_await etcd::NodeRegistration::acquire(*etcd_client_, layout, config_.node_id, options);
  etcd::EtcdStoreOptions store_options;  // a named local: GCC 12 and coroutine defaults
  auto store = co_await etcd::EtcdDecisionStore::open(*etcd_client_, *registration_, store_options);
  etcd_store_ = store.get();
  store_ = std::move(store);
}

void Coordinator::open_etcd_store() {
  etcd_client_ = std::make_unique<etcd::Client>(io_.get_executor(),
                                                etcd::parse_endpoints(config_.decision_store));
  // Run on io_ before the rest exists: nothing else is queued on it yet, and the lease's
  // keep-alive goes on in run().
  bool done = false;
  std::exception_ptr failure;
  asio::co_spawn(io_, register_and_open(), [&](std::exception_ptr e) {
    failure = e;
    done = true;
  });
  while (!done)
    io_.run_one();
  io_.restart();
  if (failure) std::rethrow_exception(failure);
  registration_->on_lost([node = config_.node_id] {
    // The lease is gone: a live node may be taking this one's transactions over. Nothing
    // this run decides could land any more; stop, and let a restart register anew.
    log_event("node_registration_lost", {{"node_id", node}});
    std::fprintf(stderr, "xacoord serve: node %s lost its etcd registration; stopping\n",
                 node.c_str());
    std::fflush(stderr);
    std::_Exit(1);
  });
  log_event("node_registered", {{"node_id", config_.node_id},
                                {"lease", registration_->lease()},
                                {"ttl_seconds", registration_->ttl().count()},
                                {"epoch", store_->epoch()}});
}

bool Coordinator::may_decide() const {
  if (!fence_->owned()) return false;
  if (!registration_) return true;
  if (registration_->lost()) return false;
  return std::chrono::steady_clock::now() - registration_->last_renewed() <
         registration_->ttl() / 2;
}

// The one place that knows every architecture (docs/architectures.md).
void Coordinator::make_architecture() {
  if (config_.architecture == "naive") {
    NaiveArchitecture::Options options;
    options.node_id = config_.node_id;
    options.epoch = store_->epoch();
    options.deadline = config_.deadline;
    architecture_ = std::make_unique<NaiveArchitecture>(*orders_, *payments_, *health_,
                                                        *idempotency_, metrics_, clock_, options);
    return;
  }
  if (config_.architecture == "saga") {
    SagaArchitecture::Options options;
    options.node_id = config_.node_id;
    options.epoch = store_->epoch();
    options.deadline = config_.deadline;
    options.max_backoff = config_.retry_max_backoff;
    options.orphan_scan_interval = config_.orphan_scan_interval;
    architecture_ =
        std::make_unique<SagaArchitecture>(io_.get_executor(), *orders_, *payments_, *health_,
                                           *idempotency_, metrics_, clock_, options);
    return;
  }
  if (config_.architecture == "outbox") {
    OutboxArchitecture::Options options;
    options.node_id = config_.node_id;
    options.epoch = store_->epoch();
    options.deadline = config_.deadline;
    options.broker = broker::parse_redis_url(config_.broker);
    options.stream_prefix = config_.broker_streams;
    options.tidy_every = config_.outbox_tidy_interval;
    architecture_ =
        std::make_unique<OutboxArchitecture>(io_.get_executor(), *orders_, *payments_, *health_,
                                             *idempotency_, metrics_, clock_, options);
    return;
  }
  if (config_.architecture == "tcc") {
    TccArchitecture::Options options;
    options.node_id = config_.node_id;
    options.epoch = store_->epoch();
    options.deadline = config_.deadline;
    options.max_backoff = config_.retry_max_backoff;
    options.orphan_scan_interval = config_.orphan_scan_interval;
    architecture_ =
        std::make_unique<TccArchitecture>(io_.get_executor(), *orders_, *payments_, *health_,
                                          *idempotency_, metrics_, clock_, options);
    return;
  }
  XaArchitecture::Options options;
  options.orphan_scan_interval = config_.orphan_scan_interval;
  architecture_ =
      std::make_unique<XaArchitecture>(*engine_, *resolver_, *txns_, *orders_, *payments_, *health_,
                                       *idempotency_, metrics_, clock_, options);
}

void Coordinator::make_demo() {
  demo::DemoContext context{config_.demo, *service_,         *txns_, *orders_, *payments_,
                            clock_,       io_.get_executor()};
  context.node_id = config_.node_id;
  context.architecture = config_.architecture;
  context.architectures = {"xa", "saga", "naive"};  // what make_architecture() builds
  if (config_.demo) {
    std::error_code ignored;
    context.binary = std::filesystem::read_symlink("/proc/self/exe", ignored).string();
    context.orders_url = config_.orders;
    context.payments_url = config_.payments;
    // Beside the decision log, never inside it: the children's logs and reports.
    context.work_dir = config_.log_dir + "-demo";
    std::filesystem::create_directories(context.work_dir);
  }
  demo_ = std::make_unique<demo::Demo>(std::move(context));
  demo_->add_routes(router_);
}

void Coordinator::register_gauges() {
  registry_.gauge_fn("xacoord_transactions_in_flight",
                     "Transactions begun and not yet decided and answered", {},
                     [this] { return static_cast<double>(engine_->in_flight()); });
  for (const char* phase : {"before_prepare", "prepared_undecided", "decided_uncommitted"}) {
    registry_.gauge_fn(
        "xacoord_transactions_in_phase",
        "Live transactions by protocol step: statements running (before_prepare), prepares "
        "out without a durable decision (prepared_undecided), decided and phase two not "
        "confirmed (decided_uncommitted)",
        {{"phase", phase}}, [this, phase = std::string(phase)] {
          PhaseCounts counts = txns_->phases();
          if (phase == "before_prepare") return static_cast<double>(counts.before_prepare);
          if (phase == "prepared_undecided") return static_cast<double>(counts.prepared_undecided);
          return static_cast<double>(counts.decided_uncommitted);
        });
  }
  registry_.gauge_fn("xacoord_in_doubt_branches",
                     "Prepared branches waiting for recovery to finish phase two", {},
                     [this] { return static_cast<double>(resolver_->pending()); });
  registry_.gauge_fn("xacoord_stuck_branches",
                     "In-doubt branches older than --stuck-after (alert on > 0)", {},
                     [this] { return static_cast<double>(resolver_->stuck()); });
  registry_.gauge_fn(
      "xacoord_in_doubt_oldest_age_seconds",
      "Age of the oldest branch waiting for recovery (0 when none waits)", {},
      [this] { return std::chrono::duration<double>(resolver_->oldest_in_doubt()).count(); });
  registry_.gauge_fn("xacoord_ready", "1 once start-up recovery has finished", {},
                     [this] { return recovered_ ? 1.0 : 0.0; });
  registry_.gauge_fn("xacoord_decision_log_epoch", "Epoch of this run of the coordinator", {},
                     [this] { return static_cast<double>(store_->epoch()); });
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
                          {"architecture", config_.architecture},
                          {"decision_store", std::string(store_->kind())},
                          {"epoch", store_->epoch()},
                          {"log_dir", config_.log_dir},
                          {"orders", db::Endpoint::parse(config_.orders).url()},
                          {"payments", db::Endpoint::parse(config_.payments).url()}});
  asio::co_spawn(io_, health_->run(), asio::detached);
  asio::co_spawn(io_, recover_then_serve(), [](std::exception_ptr e) {
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

asio::awaitable<void> Coordinator::recover_then_serve() {
  // The node's lock first: recovery acts on everything of this node id it finds, which is
  // only right while no other coordinator runs as the same node.
  co_await fence_->take();
  asio::co_spawn(io_, fence_->keep(), asio::detached);
  co_await architecture_->recover();
  recovered_ = true;
  // Other nodes' takeovers once this node's own start-up is done.
  if (takeover_) asio::co_spawn(io_, takeover_->run(), asio::detached);
  log_event("ready", {{"port", server_->port()}, {"architecture", config_.architecture}});
  // After recovery: the branches it finishes at start-up are not discrepancies.
  if (reconciliation_) asio::co_spawn(io_, reconciliation_->run(), asio::detached);
  co_await architecture_->run_background();
}

nlohmann::json Coordinator::reconcile_report() const {
  if (!reconciliation_) return {{"enabled", false}};
  return reconciliation_->report();
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
    co_await sleep_for(clock_, milliseconds(60'000));
  }
}

// Graceful stop: accept nothing new, let transactions in flight finish and their answers
// go out (up to the grace), then stop. Whatever is still in doubt is finished by the next
// start's recovery.
asio::awaitable<void> Coordinator::drain_and_stop() {
  stopping_ = true;
  server_->stop();
  auto until = clock_.now() + config_.shutdown_grace;
  while ((engine_->in_flight() > 0 || server_->requests_in_progress() > 0) &&
         clock_.now() < until) {
    co_await sleep_for(clock_, milliseconds(10));
  }
  log_event("stopped", {{"in_flight", engine_->in_flight()},
                        {"unanswered_requests", server_->requests_in_progress()},
                        {"in_doubt", resolver_->pending()}});
  architecture_->stop();
  resolver_->stop();
  health_->stop();
  if (reconciliation_) reconciliation_->stop();
  fence_->stop();
  if (takeover_) takeover_->stop();
  if (registration_) {
    // A clean stop gives the id back at once: a live node checks (and finds nothing left,
    // or what the drain cut short) without waiting for the lease to expire.
    try {
      co_await etcd_store_->close();
      if (engine_->in_flight() == 0 && resolver_->pending() == 0 && takeover_ && !takeover_->busy())
        co_await takeover_->claims().record_clean_stop(store_->epoch());
      co_await registration_->release();
    } catch (const std::exception& e) {
      log_event("node_registration_release_failed", {{"error", e.what()}});
    }
  }
  io_.stop();
}

}  // namespace xacoord
