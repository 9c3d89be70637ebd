// `xacoord serve`: every part of the coordinator, wired together and run. Wiring only: the
// parts live in their own layers (README, "Layout").
//
// Threads: one io_context thread runs the HTTP server, the 2PC engine, recovery and the
// health checks (so none of their state needs a lock); every database session has its
// own lane thread; the decision log has its writer thread.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>

#include "coordinator/app/config.h"
#include "coordinator/demo/demo.h"
#include "coordinator/domain/architecture.h"
#include "coordinator/domain/idempotency.h"
#include "coordinator/domain/order_service.h"
#include "coordinator/engine/transaction_table.h"
#include "coordinator/engine/two_phase_commit.h"
#include "coordinator/http/router.h"
#include "coordinator/http/server.h"
#include "coordinator/log/decision_log.h"
#include "coordinator/observability/coordinator_metrics.h"
#include "coordinator/observability/health_monitor.h"
#include "coordinator/observability/metrics.h"
#include "coordinator/observability/scheduled_reconciliation.h"
#include "coordinator/recovery/node_fence.h"
#include "coordinator/recovery/node_takeover.h"
#include "coordinator/recovery/resolver.h"
#include "coordinator/store/decision_store.h"
#include "coordinator/store/etcd/etcd_client.h"
#include "coordinator/store/etcd/etcd_decision_store.h"
#include "coordinator/store/etcd/node_registration.h"
#include "participants/session.h"
#include "participants/pool.h"

namespace xacoord {

class Coordinator {
 public:
  // Opens the decision store (throws dlog::LogCorrupt or std::runtime_error) and builds the
  // rest; nothing is served until run().
  explicit Coordinator(ServeConfig config);

  // Serves until SIGINT or SIGTERM, then drains transactions in flight. Returns the exit
  // code. The process should then end without running destructors (see serve_command.cc).
  int run();

 private:
  void make_architecture();
  // --decision-store etcd://: registers the node id (waiting for a crashed predecessor's
  // lease, and for any takeover of the id, to end) and opens the store, before anything
  // touches the databases (docs/scale-out.md, "Membership and fencing").
  void open_etcd_store();
  void open_file_store();
  boost::asio::awaitable<void> register_and_open();
  // May this node decide now: its fence on the databases holds, and on etcd its lease was
  // renewed within half its TTL (a node cut off from etcd stops deciding before its lease
  // can expire and a takeover begin).
  bool may_decide() const;
  void make_demo();
  boost::asio::awaitable<void> recover_then_serve();
  boost::asio::awaitable<void> expire_keys();
  boost::asio::awaitable<void> drain_and_stop();
  void register_gauges();
  nlohmann::json reconcile_report() const;

  ServeConfig config_;
  boost::asio::io_context io_{1};
  Clock& clock_ = Clock::system();
  metrics::Registry registry_;
  CoordinatorMetrics metrics_{registry_};
  std::unique_ptr<dlog::DecisionLog> log_;
  std::unique_ptr<etcd::Client> etcd_client_;
  std::unique_ptr<etcd::NodeRegistration> registration_;
  etcd::EtcdDecisionStore* etcd_store_ = nullptr;  // store_, when on etcd
  std::unique_ptr<DecisionStore> store_;
  std::unique_ptr<NodeTakeover> takeover_;
  std::unique_ptr<db::SessionFactory> orders_sessions_;
  std::unique_ptr<db::SessionFactory> payments_sessions_;
  std::unique_ptr<db::Pool> orders_;
  std::unique_ptr<db::Pool> payments_;
  std::unique_ptr<TransactionTable> txns_;
  std::unique_ptr<Resolver> resolver_;
  std::unique_ptr<TwoPhaseCommit> engine_;
  std::unique_ptr<HealthMonitor> health_;
  std::unique_ptr<ScheduledReconciliation> reconciliation_;  // null unless --reconcile-every
  std::unique_ptr<NodeFence> fence_;
  std::unique_ptr<Idempotency> idempotency_;
  std::unique_ptr<Architecture> architecture_;
  std::unique_ptr<OrderService> service_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<demo::Demo> demo_;
  bool recovered_ = false;
  bool stopping_ = false;
};

}  // namespace xacoord
