// Accounts and orders: single-database reads and writes, no distributed transaction.
#include "coordinator/domain/order_service.h"

#include <nlohmann/json.hpp>

#include "coordinator/domain/problem_mapping.h"
#include "participants/db_error.h"
#include "participants/lane.h"
#include "participants/orders_sql.h"
#include "participants/payments_sql.h"

namespace xacoord {

namespace asio = boost::asio;

namespace {

// Runs `fn` on a session of `pool` outside any XA transaction; failures become problems.
template <typename Fn>
asio::awaitable<std::invoke_result_t<Fn&, db::Connection&>> with_session(
    db::Pool& pool, std::chrono::steady_clock::time_point deadline, Fn fn) {
  std::exception_ptr failure;
  try {
    db::Lease lease = co_await pool.acquire(deadline);
    co_return co_await db::run_on(lease.lane(), fn);
  } catch (...) {
    failure = std::current_exception();
  }
  throw ProblemError(problem_for(failure));
}

}  // namespace

OrderService::OrderService(TwoPhaseCommit& engine, db::Pool& orders, db::Pool& payments,
                           const HealthMonitor& health, CoordinatorMetrics& metrics,
                           Options options)
    : engine_(engine),
      orders_(orders),
      payments_(payments),
      health_(health),
      metrics_(metrics),
      options_(options) {}

std::chrono::steady_clock::time_point OrderService::read_deadline() const {
  return std::chrono::steady_clock::now() + engine_.options().deadline;
}

asio::awaitable<Answer> OrderService::create_account(api::CreateAccountRequest request) {
  health_.require_up(payments_);
  bool created = co_await with_session(payments_, read_deadline(), [&request](db::Connection& c) {
    try {
      db::payments::create_account(c, request.account_id, request.balance_cents);
      return true;
    } catch (const db::DbError& e) {
      if (e.kind() == db::ErrorKind::kDuplicate) return false;
      throw;
    }
  });
  if (!created) {
    throw ProblemError(
        problems::account_exists("account " + request.account_id + " already exists"));
  }
  co_return Answer{
      201, api::dump(api::to_json(api::Account{request.account_id, request.balance_cents}))};
}

asio::awaitable<Answer> OrderService::get_account(std::string account_id) {
  health_.require_up(payments_);
  auto row = co_await with_session(payments_, read_deadline(), [&account_id](db::Connection& c) {
    return db::payments::find_account(c, account_id);
  });
  if (!row) throw ProblemError(problems::not_found("no account " + account_id));
  co_return Answer{200, api::dump(api::to_json(api::Account{row->account_id, row->balance_cents}))};
}

asio::awaitable<Answer> OrderService::create_order(api::CreateOrderRequest request) {
  health_.require_up(payments_);
  health_.require_up(orders_);
  auto account = co_await with_session(payments_, read_deadline(), [&request](db::Connection& c) {
    return db::payments::find_account(c, request.account_id);
  });
  if (!account) throw ProblemError(problems::not_found("no account " + request.account_id));
  auto order_id = co_await with_session(orders_, read_deadline(), [&request](db::Connection& c) {
    return db::orders::create_order(c, request.account_id, request.amount_cents);
  });
  api::Order order{order_id, request.account_id, request.amount_cents, "PENDING", std::nullopt};
  co_return Answer{201, api::dump(api::to_json(order))};
}

asio::awaitable<Answer> OrderService::get_order(std::int64_t order_id) {
  health_.require_up(orders_);
  health_.require_up(payments_);
  auto row = co_await with_session(orders_, read_deadline(), [order_id](db::Connection& c) {
    return db::orders::find_order(c, order_id);
  });
  if (!row) throw ProblemError(problems::not_found("no order " + std::to_string(order_id)));
  auto payment = co_await with_session(payments_, read_deadline(), [order_id](db::Connection& c) {
    return db::payments::find_payment_for_order(c, order_id);
  });
  api::Order order{row->order_id, row->account_id, row->amount_cents, row->status, std::nullopt};
  if (payment) order.payment = api::PaymentSummary{payment->payment_id, payment->status};
  co_return Answer{200, api::dump(api::to_json(order))};
}

asio::awaitable<std::int64_t> OrderService::expire_idempotency_keys() {
  auto retention = options_.idempotency_retention;
  co_return co_await with_session(orders_, read_deadline(), [retention](db::Connection& c) {
    return db::orders::expire_answers(c, retention, static_cast<int>(kExpiryBatch));
  });
}

}  // namespace xacoord
