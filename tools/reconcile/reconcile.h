// The invariant checker (contract §4) on two blocking connections: reads xa_orders and
// xa_payments — only the contract's tables — and lists every discrepancy, grouped by
// invariant. Used by `xacoord reconcile`, by the chaos runs and by the tests. The checking
// itself is coordinator/observability/invariant_check.h, which the coordinator's scheduled
// run shares.
#pragma once

#include "coordinator/observability/invariant_check.h"
#include "participants/connection.h"

namespace xacoord::reconcile {

// `LIKE '<prefix>%'` with the prefix's wildcards escaped, quoted for SQL.
std::string like_prefix_sql(const std::string& prefix);

// Reads both databases (a read-only snapshot each) and checks invariants 1-4.
Report check(db::Connection& orders, db::Connection& payments, const Scope& scope = {});

}  // namespace xacoord::reconcile
