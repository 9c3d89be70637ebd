#include "coordinator/architectures/tcc/tcc_branches.h"

#include "common/check.h"
#include "coordinator/architectures/tcc/branch_transaction.h"
#include "coordinator/domain/local_session.h"
#include "participants/db_error.h"
#include "participants/orders_sql.h"
#include "participants/payments_sql.h"
#include "participants/sql_text.h"
#include "protocol/api_types.h"
#include "protocol/problem.h"

namespace xacoord::tcc {

namespace asio = boost::asio;
using sql::Branch;
using sql::Op;
using sql::State;
using sql::Verdict;

namespace {

std::string order_text(std::int64_t order_id) {
  return "order " + std::to_string(order_id);
}

std::string lock_account_sql(const std::string& account_id) {
  return "SELECT balance_cents FROM accounts WHERE account_id = " + db::quote(account_id) +
         " FOR UPDATE";
}

std::string lock_payment_sql(std::int64_t order_id) {
  return "SELECT status, txn_id, refund_txn_id FROM payments WHERE order_id = " +
         std::to_string(order_id) + " FOR UPDATE";
}

// The key's answer as read in the step's transaction (null without a key).
const db::Rows* found_answer(const db::Results& reads, const std::optional<IdempotencyKey>& key) {
  return key && reads.size() > 1 && reads[1] ? &*reads[1] : nullptr;
}

}  // namespace

Answer confirmed_answer(const Txn& txn) {
  return Answer{200, api::dump(api::to_json(api::PayResult{
                         txn.order_id, db::payments::payment_id_for(txn.order_id), txn.gid}))};
}

bool certainly_not_committed(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const db::PoolExhausted&) {
    return true;
  } catch (const db::DbError& e) {
    if (e.no_session()) return true;
    switch (e.kind()) {
      case db::ErrorKind::kConstraint:
      case db::ErrorKind::kDuplicate:
      case db::ErrorKind::kDeadlock:
      case db::ErrorKind::kLockTimeout:
      case db::ErrorKind::kRolledBack:
        // A statement before the COMMIT failed; the server runs none of the batch's
        // statements after a failing one, and the session is closed: rolled back.
        return true;
      default:
        return false;
    }
  } catch (...) {
    return false;
  }
}

TccBranches::TccBranches(db::Pool& orders, db::Pool& payments, const Idempotency& idempotency,
                         Clock& clock, Options options)
    : orders_(orders),
      payments_(payments),
      idempotency_(idempotency),
      clock_(clock),
      options_(std::move(options)) {}

// ---- a pay ----

asio::awaitable<TccBranches::OrdersTry> TccBranches::try_orders(Txn& txn) {
  std::vector<std::string> reads;
  reads.push_back(db::orders::lock_order_sql(txn.order_id));
  BranchTransaction b = co_await BranchTransaction::begin(
      orders_, deadline(), txn.gid, Branch::kOrders, Op::kTry, std::move(reads));
  auto order = db::orders::order_from(*b.reads().at(0));
  XA_CHECK(order.has_value(), order_text(txn.order_id) + " of " + txn.gid + " vanished");
  if (b.verdict() != Verdict::kFirst) {
    // A repeat has its row already; a Try after its Cancel must change nothing.
    co_await b.rollback();
    co_return OrdersTry{b.verdict() == Verdict::kRepeat, order->status};
  }
  if (order->status != "PENDING") {
    co_await b.rollback();  // the barrier row goes too: a later Cancel is a null one
    co_return OrdersTry{false, order->status};
  }
  txn.account_id = order->account_id;
  txn.amount_cents = order->amount_cents;
  std::vector<std::string> writes;
  writes.push_back("UPDATE orders SET status = 'PAYING', pay_txn_id = " + db::quote(txn.gid) +
                   " WHERE order_id = " + std::to_string(txn.order_id) + " AND status = 'PENDING'");
  writes.push_back(sql::insert_global_sql(txn, options_.node_id, State::kTrying));
  co_await b.commit(std::move(writes));
  co_return OrdersTry{true, "PAYING"};
}

asio::awaitable<bool> TccBranches::settle_orders_try(const Txn& txn) {
  db::Results results = co_await run_local_transaction(
      orders_, deadline(), sql::probe_try_sql(txn.gid, Branch::kOrders));
  co_return sql::tried_from(results);
}

asio::awaitable<bool> TccBranches::try_payments(const Txn& txn) {
  std::vector<std::string> reads;
  BranchTransaction b = co_await BranchTransaction::begin(
      payments_, deadline(), txn.gid, Branch::kPayments, Op::kTry, std::move(reads));
  if (b.verdict() != Verdict::kFirst) {
    co_await b.rollback();
    co_return b.verdict() == Verdict::kRepeat;
  }
  co_await b.commit(sql::freeze_sql(txn));
  co_return true;
}

asio::awaitable<State> TccBranches::decide(const Txn& txn, State wanted) {
  XA_CHECK(wanted == State::kConfirming || wanted == State::kCancelling,
           "a decision of " + txn.gid + " to " + std::string(sql::name_of(wanted)));
  std::vector<std::string> statements;
  statements.push_back(db::orders::lock_order_sql(txn.order_id));
  statements.push_back(sql::lock_global_sql(txn.gid));
  statements.push_back(sql::set_state_sql(txn.gid, wanted) + " AND state = 'TRYING'");
  statements.push_back(sql::lock_global_sql(txn.gid));
  db::Results results = co_await run_local_transaction(orders_, deadline(), std::move(statements));
  auto state = sql::state_from_rows(*results.at(3));
  XA_CHECK(state.has_value(), "the tcc_global row of " + txn.gid + " is missing at its decision");
  co_return *state;
}

asio::awaitable<Verdict> TccBranches::confirm_payments(const Txn& txn) {
  std::vector<std::string> reads;
  reads.push_back(sql::lock_frozen_sql(txn.gid));
  BranchTransaction b = co_await BranchTransaction::begin(
      payments_, deadline(), txn.gid, Branch::kPayments, Op::kConfirm, std::move(reads));
  if (b.verdict() == Verdict::kRepeat) {
    co_await b.rollback();
    co_return Verdict::kRepeat;
  }
  // Confirm is decided only after both Tries answered that they committed.
  XA_CHECK(!b.reads().at(0)->empty(),
           "the Confirm of " + txn.gid + " found no frozen funds on payments");
  co_await b.commit(sql::capture_frozen_sql(txn));
  co_return Verdict::kFirst;
}

asio::awaitable<Verdict> TccBranches::confirm_orders(const Txn& txn) {
  std::vector<std::string> reads;
  reads.push_back(db::orders::lock_order_sql(txn.order_id));
  if (auto find = idempotency_.find_sql(txn.key)) reads.push_back(std::move(*find));
  BranchTransaction b = co_await BranchTransaction::begin(
      orders_, deadline(), txn.gid, Branch::kOrders, Op::kConfirm, std::move(reads));
  if (b.verdict() == Verdict::kRepeat) {
    co_await b.rollback();
    co_return Verdict::kRepeat;
  }
  auto order = db::orders::order_from(*b.reads().at(0));
  XA_CHECK(order && order->status == "PAYING" && order->pay_txn_id == txn.gid,
           "the Confirm of " + txn.gid + " found " + order_text(txn.order_id) + " " +
               (order ? order->status + " by " + order->pay_txn_id.value_or("nobody") : "gone"));
  std::vector<std::string> writes;
  writes.push_back("UPDATE orders SET status = 'PAID' WHERE order_id = " +
                   std::to_string(txn.order_id) + " AND status = 'PAYING'");
  writes.push_back(sql::set_state_sql(txn.gid, State::kConfirmed));
  if (const db::Rows* found = found_answer(b.reads(), txn.key)) {
    // A key that holds an unexpired answer belongs to another request that reused it (a
    // client's mistake): that answer stays.
    auto stored = db::orders::answer_from(*found);
    if (!stored || stored->expired) {
      for (auto& s : idempotency_.store_sql(txn.key, confirmed_answer(txn), found))
        writes.push_back(std::move(s));
    }
  } else {
    for (auto& s : idempotency_.store_sql(txn.key, confirmed_answer(txn), nullptr))
      writes.push_back(std::move(s));
  }
  co_await b.commit(std::move(writes));
  co_return Verdict::kFirst;
}

asio::awaitable<Verdict> TccBranches::cancel_payments(const Txn& txn) {
  std::vector<std::string> reads;
  reads.push_back(lock_account_sql(txn.account_id));
  reads.push_back(sql::lock_frozen_sql(txn.gid));
  BranchTransaction b = co_await BranchTransaction::begin(
      payments_, deadline(), txn.gid, Branch::kPayments, Op::kCancel, std::move(reads));
  switch (b.verdict()) {
    case Verdict::kRepeat:
      co_await b.rollback();
      co_return Verdict::kRepeat;
    case Verdict::kNullCompensation: {
      std::vector<std::string> nothing;  // the barrier rows alone: a late Try now hangs
      co_await b.commit(std::move(nothing));
      co_return Verdict::kNullCompensation;
    }
    default:
      break;
  }
  XA_CHECK(!b.reads().at(1)->empty(),
           "the Cancel of " + txn.gid + " found its Try committed and no frozen funds");
  co_await b.commit(sql::release_frozen_sql(txn));
  co_return Verdict::kFirst;
}

asio::awaitable<Verdict> TccBranches::cancel_orders(const Txn& txn) {
  std::vector<std::string> reads;
  reads.push_back(db::orders::lock_order_sql(txn.order_id));
  BranchTransaction b = co_await BranchTransaction::begin(
      orders_, deadline(), txn.gid, Branch::kOrders, Op::kCancel, std::move(reads));
  switch (b.verdict()) {
    case Verdict::kRepeat:
      co_await b.rollback();
      co_return Verdict::kRepeat;
    case Verdict::kNullCompensation: {
      std::vector<std::string> nothing;
      co_await b.commit(std::move(nothing));
      co_return Verdict::kNullCompensation;
    }
    default:
      break;
  }
  auto order = db::orders::order_from(*b.reads().at(0));
  XA_CHECK(order && order->status == "PAYING" && order->pay_txn_id == txn.gid,
           "the Cancel of " + txn.gid + " found " + order_text(txn.order_id) + " " +
               (order ? order->status + " by " + order->pay_txn_id.value_or("nobody") : "gone"));
  std::vector<std::string> writes;
  writes.push_back("UPDATE orders SET status = 'PENDING', pay_txn_id = NULL WHERE order_id = " +
                   std::to_string(txn.order_id) + " AND status = 'PAYING'");
  writes.push_back(sql::set_state_sql(txn.gid, State::kCancelled));
  co_await b.commit(std::move(writes));
  co_return Verdict::kFirst;
}

// ---- a cancel ----

asio::awaitable<TccBranches::CancelOutcome> TccBranches::cancel_order(
    Txn& refund, const std::optional<IdempotencyKey>& key) {
  std::vector<std::string> reads;
  reads.push_back(db::orders::lock_order_sql(refund.order_id));
  if (auto find = idempotency_.find_sql(key)) reads.push_back(std::move(*find));
  BranchTransaction b = co_await BranchTransaction::begin(
      orders_, deadline(), refund.gid, Branch::kOrders, Op::kConfirm, std::move(reads));
  XA_CHECK(b.verdict() == Verdict::kFirst, "the new cancel " + refund.gid + " found its barrier");
  const db::Rows* found = found_answer(b.reads(), key);
  std::optional<Answer> replay;
  if (found) replay = idempotency_.stored_answer(key, *found);
  if (replay) {
    co_await b.rollback();
    co_return CancelOutcome{Cancelled::kReplayed, *replay, ""};
  }
  auto order = db::orders::order_from(*b.reads().at(0));
  if (!order) {
    co_await b.rollback();
    throw ProblemError(problems::not_found("no " + order_text(refund.order_id)));
  }
  refund.account_id = order->account_id;
  refund.amount_cents = order->amount_cents;
  if (order->status == "PAYING") {
    co_await b.rollback();
    co_return CancelOutcome{Cancelled::kWasPaying, Answer{}, order->pay_txn_id.value_or("")};
  }
  if (order->status == "CANCELLED") {
    // Cancelled before: answer with what was recorded then.
    Answer answer{200, api::dump(api::to_json(api::CancelResult{
                           refund.order_id, order->refunded, order->cancel_txn_id.value_or("")}))};
    std::vector<std::string> store = idempotency_.store_sql(key, answer, found);
    if (store.empty()) {
      co_await b.rollback();
    } else {
      co_await b.commit(std::move(store));
    }
    co_return CancelOutcome{Cancelled::kAlreadyCancelled, answer, ""};
  }
  XA_CHECK(order->status == "PENDING" || order->status == "PAID",
           order_text(refund.order_id) + " has the unknown status " + order->status);
  const bool paid = order->status == "PAID";
  Answer answer{200, api::dump(api::to_json(api::CancelResult{refund.order_id, paid, refund.gid}))};
  std::vector<std::string> writes;
  writes.push_back(db::orders::mark_cancelled_sql(refund.order_id, refund.gid, paid));
  if (paid) writes.push_back(sql::insert_global_sql(refund, options_.node_id, State::kConfirming));
  for (auto& s : idempotency_.store_sql(key, answer, found))
    writes.push_back(std::move(s));
  if (paid) refund.phase = Phase::kCancellingPaid;  // until the COMMIT is answered
  co_await b.commit(std::move(writes));
  if (paid) refund.phase = Phase::kRefunding;
  co_return CancelOutcome{paid ? Cancelled::kWasPaid : Cancelled::kWasPending, answer, ""};
}

asio::awaitable<bool> TccBranches::settle_cancel(const Txn& refund) {
  db::Results results = co_await run_local_transaction(
      orders_, deadline(), sql::probe_sql(refund.gid, Branch::kOrders, Op::kConfirm));
  co_return sql::committed_from(Op::kConfirm, results);
}

asio::awaitable<Verdict> TccBranches::refund_payments(const Txn& refund) {
  std::vector<std::string> reads;
  reads.push_back(lock_account_sql(refund.account_id));
  reads.push_back(lock_payment_sql(refund.order_id));
  BranchTransaction b = co_await BranchTransaction::begin(
      payments_, deadline(), refund.gid, Branch::kPayments, Op::kConfirm, std::move(reads));
  if (b.verdict() == Verdict::kRepeat) {
    co_await b.rollback();
    co_return Verdict::kRepeat;
  }
  const db::Rows& payment = *b.reads().at(1);
  XA_CHECK(!payment.empty() && db::as_string(payment[0], 0) == "CAPTURED",
           order_text(refund.order_id) + " was PAID without a CAPTURED payment (refund " +
               refund.gid + ")");
  db::Results results = co_await b.run(db::payments::refund_sql(refund.order_id, refund.account_id,
                                                                refund.amount_cents, refund.gid));
  XA_CHECK(
      db::payments::refund_done(*results.back(), refund.account_id, refund.amount_cents,
                                refund.gid),
      "the refund " + refund.gid + " did not refund the payment of " + order_text(refund.order_id));
  std::vector<std::string> nothing_more;
  co_await b.commit(std::move(nothing_more));
  co_return Verdict::kFirst;
}

asio::awaitable<void> TccBranches::close_refund(const Txn& refund) {
  std::vector<std::string> close;
  close.push_back(sql::set_state_sql(refund.gid, State::kConfirmed));
  co_await run_local(orders_, deadline(), std::move(close));
}

asio::awaitable<std::optional<sql::GlobalRow>> TccBranches::find_global(const std::string& gid) {
  std::vector<std::string> find;
  find.push_back(sql::find_global_sql(gid));
  db::Results results = co_await run_local(orders_, deadline(), std::move(find));
  std::vector<sql::GlobalRow> rows = sql::rows_from(*results.at(0));
  if (rows.empty()) co_return std::nullopt;
  co_return rows.front();
}

}  // namespace xacoord::tcc
