// The routes of contract §2 (and the operator's admin routes), bound to the domain.
#pragma once

#include <functional>
#include <string>

#include "coordinator/app/health_monitor.h"
#include "coordinator/domain/order_service.h"
#include "coordinator/engine/txn_registry.h"
#include "coordinator/http/router.h"
#include "coordinator/observability/metrics.h"
#include "coordinator/recovery/resolver.h"

namespace xacoord::http {

struct ApiContext {
  OrderService& orders;
  TxnRegistry& registry;
  Resolver& resolver;
  const HealthMonitor& health;
  metrics::Registry& metrics;
  std::function<bool()> recovered;  // startup recovery has finished
  std::string admin_token;          // empty: admin routes are not served at all
};

void add_api_routes(Router& router, ApiContext context);

}  // namespace xacoord::http
