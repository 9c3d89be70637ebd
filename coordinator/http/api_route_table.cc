#include "coordinator/http/api_route_table.h"

#include <array>

namespace xacoord::http {

namespace {

constexpr std::array<ApiRoute, 16> kRoutes{{
    {"POST", "/v1/accounts", "accounts.create"},
    {"GET", "/v1/accounts/{account_id}", "accounts.get"},
    {"POST", "/v1/orders", "orders.create"},
    {"GET", "/v1/orders/{order_id}", "orders.get"},
    {"POST", "/v1/orders/{order_id}/pay", "orders.pay"},
    {"POST", "/v1/orders/{order_id}/cancel", "orders.cancel"},
    {"GET", "/v1/transactions/{txn_id}", "transactions.get"},
    {"GET", "/v1/transactions", "transactions.list"},
    {"GET", "/v1/status", "status"},
    {"GET", "/v1/nodes", "nodes"},
    {"GET", "/v1/xa/recover", "xa.recover"},
    {"GET", "/healthz", "healthz"},
    {"GET", "/metrics", "metrics"},
    {"POST", "/v1/admin/transactions/{txn_id}/commit", "admin.commit", true},
    {"POST", "/v1/admin/transactions/{txn_id}/rollback", "admin.rollback", true},
    {"GET", "/v1/admin/reconcile", "admin.reconcile", true},
}};

}  // namespace

std::span<const ApiRoute> api_route_table() {
  return kRoutes;
}

}  // namespace xacoord::http
