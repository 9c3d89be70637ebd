// The routes of contract §2 (and the operator's admin routes), bound to the domain.
// Which routes exist is fixed by api_route_table(); this file only gives each a handler.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "coordinator/domain/order_service.h"
#include "coordinator/engine/transaction_table.h"
#include "coordinator/http/router.h"
#include "coordinator/observability/health_monitor.h"
#include "coordinator/observability/metrics.h"
#include "coordinator/recovery/resolver.h"

namespace xacoord::http {

struct ApiContext {
  OrderService& orders;
  TransactionTable& transactions;
  Resolver& resolver;
  const HealthMonitor& health;
  metrics::Registry& metrics;
  std::function<bool()> recovered;  // startup recovery has finished
  std::function<bool()> stopping;   // SIGTERM arrived: no new transactions
  std::string admin_token;          // empty: admin routes are not served at all
  std::string node_id;
  // GET /v1/admin/reconcile: the scheduled reconciliation's last report.
  std::function<nlohmann::json()> reconcile_report = [] { return nlohmann::json::object(); };
  // For GET /v1/status's extras, /v1/nodes and /v1/xa/recover (docs/api.md).
  std::vector<db::Pool*> participants;
  std::string listen;
  std::string started_at;  // RFC 3339
  std::function<std::uint64_t()> epoch = [] { return std::uint64_t{0}; };
  bool demo = false;
  Clock* clock = &Clock::system();
};

// Adds every route of api_route_table() (the admin ones only with a token). Throws
// std::logic_error if the table and the handlers here disagree.
void add_api_routes(Router& router, ApiContext context);

}  // namespace xacoord::http
