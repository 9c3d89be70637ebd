// Contract invariant 5 — what was acknowledged stays — checked from the clients' history
// of answers against the databases' final state. Pure, so it can be tested with made-up
// histories (a checker must be shown to catch what it claims to).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/workload/history.h"

namespace xacoord::chaos {

using workload::Op;

struct FinalOrder {
  std::string status;                      // PENDING | PAID | CANCELLED
  std::optional<std::string> payment;      // CAPTURED | REFUNDED
  std::optional<std::string> payment_txn;  // the transaction that captured it
};

struct Anomaly {
  std::string kind;
  nlohmann::json example;
};

// What the architecture under test promises beyond the invariants of docs/reliability.md
// (docs/architectures.md).
struct HistoryPromise {
  // A pay answered 4xx leaves no CAPTURED payment; under the saga it may leave a REFUNDED
  // one (charged, then compensated because the order was cancelled first).
  bool refused_pay_may_leave_refund = false;
  // outbox: a pay is accepted with a 202 and finished later. Each order with an accepted
  // pay ends PAID by one of them, or CANCELLED with no payment or a REFUNDED one of them,
  // or PENDING with no payment (the charge was refused) — never PAYING.
  bool pay_accepted_then_finished = false;
};

// Every anomaly, one entry per order and kind:
//  - "acknowledged pay lost": a pay answered 200 whose payment is not there (or is another
//    transaction's), or whose order is PENDING;
//  - "acknowledged cancel lost": a cancel answered 200 whose order is not CANCELLED;
//  - "two pays acknowledged": two different transactions told a client they paid one order;
//  - "refused pay captured": a payment exists although every pay of the order was refused
//    (a CAPTURED one, if the promise allows a refunded one);
//  - "paid order cancelled without a refund";
//  - "accepted pay not finished" (outbox): an order with a 202 pay in none of the states
//    HistoryPromise::pay_accepted_then_finished allows.
std::vector<Anomaly> check_history(const std::vector<Op>& ops,
                                   const std::map<std::int64_t, FinalOrder>& final_state,
                                   const HistoryPromise& promise = {});

}  // namespace xacoord::chaos
