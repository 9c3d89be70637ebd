// The branch steps of the `tcc` architecture (docs/architectures/tcc.md), each one local
// transaction on one database guarded by its barrier row (branch_transaction.h), and the
// decision, recorded in the transaction's tcc_global row. Every step may be run again, by
// the request, by recovery or by a cancel that ends the pay: the barrier makes a repeat do
// nothing, a Cancel without its Try record itself and do nothing else, and a Try after its
// Cancel do nothing.
//
// Lock order: a step on orders locks the order's row before the tcc_global row; a step on
// payments locks the account's row before tcc_frozen's and payments' rows. No step holds
// locks in both databases.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <chrono>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "common/clock.h"
#include "coordinator/architectures/tcc/tcc_sql.h"
#include "coordinator/architectures/tcc/tcc_txn.h"
#include "coordinator/domain/idempotency.h"
#include "participants/pool.h"

namespace xacoord::tcc {

// The answer of a pay that was confirmed: the same whoever confirmed it, so that the orders
// Confirm can store it under the pay's Idempotency-Key.
Answer confirmed_answer(const Txn& txn);

// Whether a failed step certainly did not commit: refused (a constraint, a duplicate),
// rolled back by the server (deadlock, lock wait), or never sent.
bool certainly_not_committed(const std::exception_ptr& failure);

class TccBranches {
 public:
  struct Options {
    std::string node_id = "1";
    std::chrono::milliseconds deadline{10'000};
  };

  TccBranches(db::Pool& orders, db::Pool& payments, const Idempotency& idempotency, Clock& clock,
              Options options);

  // ---- a pay ----
  struct OrdersTry {
    bool tried = false;  // PAYING with the tcc_global row; false: nothing was changed
    std::string status;  // the order's status when refused
  };
  // The orders Try: PENDING -> PAYING and the tcc_global row (TRYING). Fills in the
  // transaction's account and amount from the locked order.
  boost::asio::awaitable<OrdersTry> try_orders(Txn& txn);
  // Whether an orders Try whose answer was lost committed (sql::probe_try_sql).
  boost::asio::awaitable<bool> settle_orders_try(const Txn& txn);
  // The payments Try: balance -> tcc_frozen. False when the barrier says a Cancel came
  // first (hanging). Throws db::DbError kConstraint for a short balance or no account.
  boost::asio::awaitable<bool> try_payments(const Txn& txn);
  // Moves tcc_global TRYING -> `wanted` (CONFIRMING or CANCELLING) under the order's and
  // the row's locks, unless it is decided already; returns the decision in force.
  boost::asio::awaitable<sql::State> decide(const Txn& txn, sql::State wanted);
  // Confirm: tcc_frozen -> a CAPTURED payment; then the order PAYING -> PAID, the row
  // CONFIRMED and the pay's answer under its key.
  boost::asio::awaitable<sql::Verdict> confirm_payments(const Txn& txn);
  boost::asio::awaitable<sql::Verdict> confirm_orders(const Txn& txn);
  // Cancel: tcc_frozen -> the balance; then the order PAYING -> PENDING, the row CANCELLED.
  boost::asio::awaitable<sql::Verdict> cancel_payments(const Txn& txn);
  boost::asio::awaitable<sql::Verdict> cancel_orders(const Txn& txn);

  // ---- a cancel ----
  enum class Cancelled { kReplayed, kAlreadyCancelled, kWasPending, kWasPaid, kWasPaying };
  struct CancelOutcome {
    Cancelled what = Cancelled::kWasPending;
    Answer answer;
    std::string paying_gid;  // kWasPaying: the pay the order is in
  };
  // The cancel's local transaction on orders, the barrier of `refund`'s orders Confirm
  // around it. PENDING: CANCELLED. PAID: CANCELLED with `refund`'s tcc_global row
  // (CONFIRMING): the refund is owed from this commit on. PAYING: nothing (the caller ends
  // or finishes that pay first). `refund` has its gid and order; account and amount are
  // filled in. Throws ProblemError 404 (no order), 422 (key reused), db::DbError.
  boost::asio::awaitable<CancelOutcome> cancel_order(Txn& refund,
                                                     const std::optional<IdempotencyKey>& key);
  // Whether the cancel of a paid order whose COMMIT got no answer committed (a probe of
  // its barrier row, sql::probe_sql): a COMMIT the network still holds can arrive later,
  // and the refund it owes must not be forgotten.
  boost::asio::awaitable<bool> settle_cancel(const Txn& refund);
  // The refund's payments Confirm: the payment REFUNDED, the account credited.
  boost::asio::awaitable<sql::Verdict> refund_payments(const Txn& refund);
  // tcc_global CONFIRMED for a refund whose payments Confirm committed.
  boost::asio::awaitable<void> close_refund(const Txn& refund);

  // The tcc_global row of any transaction (nullopt if there is none).
  boost::asio::awaitable<std::optional<sql::GlobalRow>> find_global(const std::string& gid);

 private:
  SteadyTime deadline() const { return clock_.now() + options_.deadline; }

  db::Pool& orders_;
  db::Pool& payments_;
  const Idempotency& idempotency_;
  Clock& clock_;
  Options options_;
};

}  // namespace xacoord::tcc
