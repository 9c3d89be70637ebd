// Invariants 1-3 of docs/reliability.md (contract §4) as pure rules over rows already read:
// the checker of invariant_check.h (reconcile, the scheduled reconciliation, chaos) applies
// them to whole tables, `xacoord compare`'s sampler to a window of recent orders read while
// the workload runs. No I/O, so one set of rules serves all and the tests can feed them
// made-up rows.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "coordinator/observability/invariant_check.h"

namespace xacoord::reconcile {

// Discrepancy, OrderRow, PaymentRow and AccountRow are the checker's own
// (coordinator/observability/invariant_check.h), so one vocabulary serves both.
struct InvariantRows {
  std::vector<OrderRow> orders;
  // Every payment of the listed orders. Payments of orders not listed count as "payment for
  // an order that does not exist" unless the orders are a window (`orders_from`).
  std::vector<PaymentRow> payments;
  std::vector<AccountRow> accounts;
  // Only orders with ids in [orders_from, orders_to] were read (a window): payments outside
  // it are left out of invariants 1-2, and their CAPTURED amounts come in `captured_outside`.
  std::optional<std::int64_t> orders_from, orders_to;
  std::map<std::string, std::int64_t> captured_outside;  // by account
  // While transactions run (the sampler), PAYING is a pending order whose pay is under way
  // (tcc, outbox); once settled it must be gone, so reconcile calls it unknown.
  bool paying_is_pending = false;
  // Orders with these statuses are skipped by invariants 1-2 (a transaction still running on
  // them; Scope::in_flight_statuses of invariant_check.h).
  std::vector<std::string> in_flight_statuses;
};

// Every discrepancy of invariants 1-3: duplicates, then by order, then by account.
std::vector<Discrepancy> check_invariants(const InvariantRows& rows);

// What a discrepancy is about: "order:<id>" or "account:<id>" (one key per thing wrong,
// for counting anomalous orders and accounts and how long each stays wrong).
std::string subject_of(const Discrepancy& d);

}  // namespace xacoord::reconcile
