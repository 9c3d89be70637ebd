// Pay and cancel: the race this project exists for.
//
// Both start the same way: the orders branch locks the order row (SELECT ... FOR UPDATE).
// A pay and a cancel of one order therefore run one after the other, never interleaved,
// and end as exactly one of: pay, then cancel with refund; or cancel, then pay answered
// 409. Only after the lock does any branch touch the payments database (lock order:
// participants/orders_sql.h).
//
// With an Idempotency-Key, the orders branch also reads the key's stored answer (after the
// lock, so an earlier request with the key that is still committing is waited for) and
// stores the new answer in the same transaction: the key exists exactly when the outcome
// does.
#include "coordinator/domain/order_service.h"

#include "coordinator/domain/problem_mapping.h"
#include "coordinator/observability/event_log.h"
#include "participants/db_error.h"
#include "participants/orders_sql.h"
#include "participants/payments_sql.h"

namespace xacoord {

namespace asio = boost::asio;

namespace {

// One event line per pay or cancel attempt with its outcome, so that grepping the log
// for a txn_id (which every answer carries) tells the whole story. `http_status` is what
// the client was answered, absent for an attempt that is retried.
void log_outcome(const Transaction& txn, std::optional<int> http_status, bool replayed) {
  nlohmann::json fields{{"txn_id", txn.id_text},
                        {"kind", txn.kind},
                        {"order_id", txn.order_id.value_or(0)},
                        {"outcome", std::string(name_of(txn.state))},
                        {"duration_ms", std::chrono::duration<double, std::milli>(
                                            std::chrono::steady_clock::now() - txn.began)
                                            .count()}};
  if (http_status) fields["http_status"] = *http_status;
  if (replayed) fields["replayed"] = true;
  if (txn.error) fields["error"] = *txn.error;
  log_event("transaction", std::move(fields));
}

}  // namespace

asio::awaitable<Answer> OrderService::pay(std::int64_t order_id,
                                          std::optional<IdempotencyKey> key) {
  co_return co_await transact(
      "pay", order_id, key,
      [this](Transaction& txn, std::int64_t id, const std::optional<IdempotencyKey>& k) {
        return pay_in(txn, id, k);
      });
}

asio::awaitable<Answer> OrderService::cancel(std::int64_t order_id,
                                             std::optional<IdempotencyKey> key) {
  co_return co_await transact(
      "cancel", order_id, key,
      [this](Transaction& txn, std::int64_t id, const std::optional<IdempotencyKey>& k) {
        return cancel_in(txn, id, k);
      });
}

// Both transactions begin here: the orders branch locks the order row and, with a key,
// reads its stored answer. A stored answer ends the transaction (read-only) right away.
asio::awaitable<OrderService::LockedOrder> OrderService::lock_order(
    Transaction& txn, std::int64_t order_id, const std::optional<IdempotencyKey>& key) {
  Branch* orders = co_await engine_.enlist(txn, orders_);
  LockedOrder locked;
  locked.results = co_await engine_.run(txn, *orders, lock_statements(order_id, key));
  locked.replay = stored_answer(locked.results, key);
  if (locked.replay) {
    co_await engine_.rollback(txn, "answered from the Idempotency-Key");
    co_return locked;
  }
  auto order = db::orders::order_from(*locked.results[0]);
  if (!order) throw ProblemError(problems::not_found("no order " + std::to_string(order_id)));
  locked.order = std::move(*order);
  co_return locked;
}

asio::awaitable<Answer> OrderService::pay_in(Transaction& txn, std::int64_t order_id,
                                             const std::optional<IdempotencyKey>& key) {
  LockedOrder locked = co_await lock_order(txn, order_id, key);
  if (locked.replay) co_return *locked.replay;
  const db::orders::OrderRow& order = locked.order;
  if (order.status != "PENDING") {
    throw ProblemError(
        problems::order_not_payable("order " + std::to_string(order_id) + " is " + order.status));
  }

  health_.require_up(payments_);
  co_await engine_.enlist(txn, payments_);
  Answer answer{200, api::dump(api::to_json(api::PayResult{
                         order_id, db::payments::payment_id_for(order_id), txn.id_text}))};
  std::vector<std::string> orders_last{db::orders::mark_paid_sql(order_id, txn.id_text)};
  for (auto& s : store_statements(key, answer, locked.results))
    orders_last.push_back(std::move(s));
  std::vector<std::string> payments_last =
      db::payments::capture_sql(order_id, order.account_id, order.amount_cents, txn.id_text);
  std::vector<std::vector<std::string>> last;  // per branch, in enlist order
  last.push_back(std::move(orders_last));
  last.push_back(std::move(payments_last));
  co_await engine_.commit(txn, std::move(last));
  co_return answer;
}

asio::awaitable<Answer> OrderService::cancel_in(Transaction& txn, std::int64_t order_id,
                                                const std::optional<IdempotencyKey>& key) {
  LockedOrder locked = co_await lock_order(txn, order_id, key);
  if (locked.replay) co_return *locked.replay;
  const db::orders::OrderRow& order = locked.order;

  if (order.status == "CANCELLED") {
    // Cancelled before: answer with what was recorded then.
    Answer answer{200, api::dump(api::to_json(api::CancelResult{
                           order_id, order.refunded, order.cancel_txn_id.value_or("")}))};
    auto store = store_statements(key, answer, locked.results);
    if (store.empty()) {
      co_await engine_.rollback(txn, "order already cancelled");
    } else {
      std::vector<std::vector<std::string>> last;
      last.push_back(std::move(store));
      co_await engine_.commit(txn, std::move(last));
    }
    co_return answer;
  }

  const bool refund = order.status == "PAID";
  if (refund) {
    health_.require_up(payments_);
    Branch* payments = co_await engine_.enlist(txn, payments_);
    Results refunded = co_await engine_.run(
        txn, *payments,
        db::payments::refund_sql(order_id, order.account_id, order.amount_cents, txn.id_text));
    if (!db::payments::refund_done(*refunded[2], order.account_id, order.amount_cents,
                                   txn.id_text)) {
      throw ProblemError(
          problems::internal("order " + std::to_string(order_id) +
                             " is PAID but has no CAPTURED payment of its amount to refund; run "
                             "`xacoord reconcile`"));
    }
  }
  Answer answer{200, api::dump(api::to_json(api::CancelResult{order_id, refund, txn.id_text}))};
  std::vector<std::string> orders_last{
      db::orders::mark_cancelled_sql(order_id, txn.id_text, refund)};
  for (auto& s : store_statements(key, answer, locked.results))
    orders_last.push_back(std::move(s));
  std::vector<std::vector<std::string>> last;
  last.push_back(std::move(orders_last));
  if (refund) last.emplace_back();
  co_await engine_.commit(txn, std::move(last));
  co_return answer;
}

template <typename Body>
asio::awaitable<Answer> OrderService::transact(const char* kind, std::int64_t order_id,
                                               const std::optional<IdempotencyKey>& key,
                                               Body body) {
  for (int attempt = 0;; ++attempt) {
    health_.require_up(orders_);
    auto txn = engine_.begin(kind, order_id);
    std::exception_ptr failure;
    try {
      Answer answer = co_await body(*txn, order_id, key);
      log_outcome(*txn, answer.status, answer.replayed);
      co_return answer;
    } catch (...) {
      failure = std::current_exception();
    }
    co_await engine_.rollback(*txn, describe(failure));
    bool same_key_raced = false;
    try {
      std::rethrow_exception(failure);
    } catch (const db::DbError& e) {
      same_key_raced = e.kind() == db::ErrorKind::kDuplicate && key.has_value();
    } catch (...) {
    }
    // Another request with this key committed first: the next attempt replays its answer.
    if (same_key_raced && attempt == 0) {
      log_outcome(*txn, std::nullopt, false);
      continue;
    }
    Problem problem = problem_for(failure);
    problem.txn_id = txn->id_text;  // GET /v1/transactions/{txn_id} shows why it aborted
    log_outcome(*txn, problem.status, false);
    throw ProblemError(std::move(problem));
  }
}

std::vector<std::string> OrderService::lock_statements(
    std::int64_t order_id, const std::optional<IdempotencyKey>& key) const {
  std::vector<std::string> statements{db::orders::lock_order_sql(order_id)};
  if (key)
    statements.push_back(db::orders::find_answer_sql(key->key, options_.idempotency_retention));
  return statements;
}

std::optional<Answer> OrderService::stored_answer(const Results& results,
                                                  const std::optional<IdempotencyKey>& key) {
  if (!key) return std::nullopt;
  auto stored = db::orders::answer_from(*results[1]);
  if (!stored || stored->expired) return std::nullopt;
  if (stored->fingerprint != key->fingerprint) {
    throw ProblemError(problems::idempotency_key_reused(
        "this Idempotency-Key was first used for a different request; use a new key"));
  }
  metrics_.idempotent_replay();
  return Answer{stored->http_status, stored->body, /*replayed=*/true};
}

std::vector<std::string> OrderService::store_statements(const std::optional<IdempotencyKey>& key,
                                                        const Answer& answer,
                                                        const Results& lock_results) const {
  if (!key) return {};
  std::vector<std::string> statements;
  // An expired answer still holds the key's row: replace it.
  if (db::orders::answer_from(*lock_results[1]))
    statements.push_back(db::orders::delete_answer_sql(key->key));
  statements.push_back(
      db::orders::store_answer_sql(key->key, key->fingerprint, answer.status, answer.body));
  return statements;
}

}  // namespace xacoord
