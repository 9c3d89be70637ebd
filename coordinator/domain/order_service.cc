// Accounts and orders: single-database reads and writes, no distributed transaction.
#include "coordinator/domain/order_service.h"

#include <nlohmann/json.hpp>

#include "coordinator/domain/local_session.h"
#include "coordinator/domain/problem_mapping.h"
#include "participants/db_error.h"
#include "participants/orders_sql.h"
#include "participants/payments_sql.h"

namespace xacoord {

namespace asio = boost::asio;

OrderService::OrderService(Architecture& architecture, db::Pool& orders, db::Pool& payments,
                           const HealthMonitor& health, Options options, Clock& clock)
    : architecture_(architecture),
      orders_(orders),
      payments_(payments),
      health_(health),
      options_(options),
      clock_(clock) {}

asio::awaitable<db::Results> OrderService::read_or_write(db::Pool& pool,
                                                         std::vector<std::string> statements) {
  std::exception_ptr failure;
  try {
    co_return co_await run_local(pool, read_deadline(), std::move(statements));
  } catch (...) {
    failure = std::current_exception();
  }
  throw ProblemError(problem_for(failure));
}

asio::awaitable<Answer> OrderService::create_account(api::CreateAccountRequest request) {
  health_.require_up(payments_);
  std::vector<std::string> insert;
  insert.push_back(db::payments::create_account_sql(request.account_id, request.balance_cents));
  bool exists = false;
  std::exception_ptr failure;
  try {
    co_await run_local(payments_, read_deadline(), std::move(insert));
  } catch (const db::DbError& e) {
    if (e.kind() == db::ErrorKind::kDuplicate) {
      exists = true;
    } else {
      failure = std::current_exception();
    }
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) throw ProblemError(problem_for(failure));
  if (exists) {
    throw ProblemError(
        problems::account_exists("account " + request.account_id + " already exists"));
  }
  co_return Answer{
      201, api::dump(api::to_json(api::Account{request.account_id, request.balance_cents}))};
}

asio::awaitable<Answer> OrderService::get_account(std::string account_id) {
  health_.require_up(payments_);
  std::vector<std::string> find;
  find.push_back(db::payments::find_account_sql(account_id));
  db::Results results = co_await read_or_write(payments_, std::move(find));
  auto row = db::payments::account_from(*results.at(0));
  if (!row) throw ProblemError(problems::not_found("no account " + account_id));
  co_return Answer{200, api::dump(api::to_json(api::Account{row->account_id, row->balance_cents}))};
}

asio::awaitable<Answer> OrderService::create_order(api::CreateOrderRequest request) {
  health_.require_up(payments_);
  health_.require_up(orders_);
  std::vector<std::string> find;
  find.push_back(db::payments::find_account_sql(request.account_id));
  db::Results found = co_await read_or_write(payments_, std::move(find));
  if (!db::payments::account_from(*found.at(0)))
    throw ProblemError(problems::not_found("no account " + request.account_id));
  db::Results created = co_await read_or_write(
      orders_, db::orders::create_order_sql(request.account_id, request.amount_cents));
  std::int64_t order_id = db::orders::created_order_id(created);
  api::Order order{order_id, request.account_id, request.amount_cents, "PENDING", std::nullopt};
  co_return Answer{201, api::dump(api::to_json(order))};
}

asio::awaitable<Answer> OrderService::get_order(std::int64_t order_id) {
  health_.require_up(orders_);
  health_.require_up(payments_);
  std::vector<std::string> find_order;
  find_order.push_back(db::orders::find_order_sql(order_id));
  db::Results orders = co_await read_or_write(orders_, std::move(find_order));
  auto row = db::orders::order_from(*orders.at(0));
  if (!row) throw ProblemError(problems::not_found("no order " + std::to_string(order_id)));
  std::vector<std::string> find_payment;
  find_payment.push_back(db::payments::find_payment_sql(order_id));
  db::Results payments = co_await read_or_write(payments_, std::move(find_payment));
  auto payment = db::payments::payment_from(*payments.at(0));
  api::Order order{row->order_id, row->account_id, row->amount_cents, row->status, std::nullopt};
  if (payment) order.payment = api::PaymentSummary{payment->payment_id, payment->status};
  co_return Answer{200, api::dump(api::to_json(order))};
}

asio::awaitable<Answer> OrderService::pay(std::int64_t order_id,
                                          std::optional<IdempotencyKey> key) {
  co_return co_await architecture_.pay(order_id, std::move(key));
}

asio::awaitable<Answer> OrderService::cancel(std::int64_t order_id,
                                             std::optional<IdempotencyKey> key) {
  co_return co_await architecture_.cancel(order_id, std::move(key));
}

asio::awaitable<std::int64_t> OrderService::expire_idempotency_keys() {
  db::Results results = co_await read_or_write(
      orders_, db::orders::expire_answers_sql(options_.idempotency_retention,
                                              static_cast<int>(kExpiryBatch)));
  co_return db::orders::expired_count(results);
}

}  // namespace xacoord
