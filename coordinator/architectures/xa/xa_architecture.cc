// Pay and cancel over XA: the race this project exists for.
//
// Both start the same way: the orders branch locks the order row (SELECT ... FOR UPDATE).
// A pay and a cancel of one order therefore run one after the other, never interleaved,
// and end as exactly one of: pay, then cancel with refund; or cancel, then pay answered
// 409. Only after the lock does any branch touch the payments database (lock order:
// participants/orders_sql.h).
//
// With an Idempotency-Key, the orders branch also reads the key's stored answer (after the
// lock) and stores the new answer in the same transaction (coordinator/domain/idempotency.h).
#include "coordinator/architectures/xa/xa_architecture.h"

#include "common/errors.h"
#include "coordinator/domain/problem_mapping.h"
#include "coordinator/observability/event_log.h"
#include "participants/db_error.h"
#include "participants/payments_sql.h"
#include "protocol/api_types.h"

namespace xacoord {

namespace asio = boost::asio;

namespace {

// One event line per pay or cancel attempt with its outcome, so that grepping the log
// for a txn_id (which every answer carries) tells the whole story. `http_status` is what
// the client was answered, absent for an attempt that is retried.
void log_outcome(const Transaction& txn, std::optional<int> http_status, bool replayed) {
  nlohmann::json fields{{"txn_id", txn.id_text()},
                        {"kind", txn.kind()},
                        {"order_id", txn.order_id().value_or(0)},
                        {"outcome", std::string(name_of(txn.state()))},
                        {"duration_ms", std::chrono::duration<double, std::milli>(
                                            std::chrono::steady_clock::now() - txn.began())
                                            .count()}};
  if (http_status) fields["http_status"] = *http_status;
  if (replayed) fields["replayed"] = true;
  if (txn.error()) fields["error"] = *txn.error();
  log_event("transaction", std::move(fields));
}

}  // namespace

XaArchitecture::XaArchitecture(TwoPhaseCommit& engine, Resolver& resolver, TransactionTable& table,
                               db::Pool& orders, db::Pool& payments, const HealthMonitor& health,
                               const Idempotency& idempotency, CoordinatorMetrics& metrics,
                               Clock& clock, Options options)
    : engine_(engine),
      resolver_(resolver),
      table_(table),
      orders_(orders),
      payments_(payments),
      health_(health),
      idempotency_(idempotency),
      metrics_(metrics),
      clock_(clock),
      options_(options) {}

asio::awaitable<void> XaArchitecture::recover() {
  co_await resolver_.recover_at_startup();
}

asio::awaitable<void> XaArchitecture::run_background() {
  while (!stopped_) {
    co_await sleep_for(clock_, options_.orphan_scan_interval);
    if (!stopped_) co_await resolver_.scan_orphans();
  }
}

void XaArchitecture::stop() {
  stopped_ = true;
  resolver_.stop();
}

ArchitectureStatus XaArchitecture::status() const {
  return ArchitectureStatus{table_.live(), 0};
}

asio::awaitable<Answer> XaArchitecture::pay(std::int64_t order_id,
                                            std::optional<IdempotencyKey> key) {
  co_return co_await transact(
      "pay", order_id, key,
      [this](Transaction& txn, std::int64_t id, const std::optional<IdempotencyKey>& k) {
        return pay_in(txn, id, k);
      });
}

asio::awaitable<Answer> XaArchitecture::cancel(std::int64_t order_id,
                                               std::optional<IdempotencyKey> key) {
  co_return co_await transact(
      "cancel", order_id, key,
      [this](Transaction& txn, std::int64_t id, const std::optional<IdempotencyKey>& k) {
        return cancel_in(txn, id, k);
      });
}

const db::Rows* XaArchitecture::found_answer(const LockedOrder& locked) {
  return locked.results.size() > 1 && locked.results[1] ? &*locked.results[1] : nullptr;
}

// Both transactions begin here: the orders branch locks the order row and, with a key,
// reads its stored answer. A stored answer ends the transaction (read-only) right away.
asio::awaitable<XaArchitecture::LockedOrder> XaArchitecture::lock_order(
    Transaction& txn, std::int64_t order_id, const std::optional<IdempotencyKey>& key) {
  Branch* orders = co_await engine_.enlist(txn, orders_);
  std::vector<std::string> statements;
  statements.push_back(db::orders::lock_order_sql(order_id));
  if (auto find = idempotency_.find_sql(key)) statements.push_back(std::move(*find));
  LockedOrder locked;
  locked.results = co_await engine_.run(txn, *orders, std::move(statements));
  if (const db::Rows* found = found_answer(locked))
    locked.replay = idempotency_.stored_answer(key, *found);
  if (locked.replay) {
    co_await engine_.rollback(txn, "answered from the Idempotency-Key");
    co_return locked;
  }
  auto order = db::orders::order_from(*locked.results[0]);
  if (!order) throw ProblemError(problems::not_found("no order " + std::to_string(order_id)));
  locked.order = std::move(*order);
  co_return locked;
}

asio::awaitable<Answer> XaArchitecture::pay_in(Transaction& txn, std::int64_t order_id,
                                               const std::optional<IdempotencyKey>& key) {
  LockedOrder locked = co_await lock_order(txn, order_id, key);
  if (locked.replay) co_return *locked.replay;
  const db::orders::OrderRow& order = locked.order;
  if (order.status != "PENDING") {
    throw ProblemError(
        problems::order_not_payable("order " + std::to_string(order_id) + " is " + order.status));
  }

  health_.require_up(payments_);
  Branch* payments = co_await engine_.enlist(txn, payments_);
  Answer answer{200, api::dump(api::to_json(api::PayResult{
                         order_id, db::payments::payment_id_for(order_id), txn.id_text()}))};
  Branch& orders = txn.branches().front();
  orders.final_statements.push_back(db::orders::mark_paid_sql(order_id, txn.id_text()));
  for (auto& s : idempotency_.store_sql(key, answer, found_answer(locked)))
    orders.final_statements.push_back(std::move(s));
  payments->final_statements =
      db::payments::capture_sql(order_id, order.account_id, order.amount_cents, txn.id_text());
  co_await engine_.commit(txn);
  co_return answer;
}

asio::awaitable<Answer> XaArchitecture::cancel_in(Transaction& txn, std::int64_t order_id,
                                                  const std::optional<IdempotencyKey>& key) {
  LockedOrder locked = co_await lock_order(txn, order_id, key);
  if (locked.replay) co_return *locked.replay;
  const db::orders::OrderRow& order = locked.order;
  Branch& orders = txn.branches().front();

  if (order.status == "CANCELLED") {
    // Cancelled before: answer with what was recorded then.
    Answer answer{200, api::dump(api::to_json(api::CancelResult{
                           order_id, order.refunded, order.cancel_txn_id.value_or("")}))};
    orders.final_statements = idempotency_.store_sql(key, answer, found_answer(locked));
    if (key) {
      orders.one_phase_probe = OnePhaseProbe{
          db::orders::answer_body_sql(key->key),
          [body = answer.body](const db::Rows& rows) { return db::orders::answer_is(rows, body); }};
    }
    if (orders.final_statements.empty()) {
      co_await engine_.rollback(txn, "order already cancelled");
    } else {
      co_await engine_.commit(txn);
    }
    co_return answer;
  }

  const bool refund = order.status == "PAID";
  if (refund) {
    health_.require_up(payments_);
    Branch* payments = co_await engine_.enlist(txn, payments_);
    db::Results refunded = co_await engine_.run(
        txn, *payments,
        db::payments::refund_sql(order_id, order.account_id, order.amount_cents, txn.id_text()));
    if (!db::payments::refund_done(*refunded[2], order.account_id, order.amount_cents,
                                   txn.id_text())) {
      throw ProblemError(
          problems::internal("order " + std::to_string(order_id) +
                             " is PAID but has no CAPTURED payment of its amount to refund; run "
                             "`xacoord reconcile`"));
    }
  }
  Answer answer{200, api::dump(api::to_json(api::CancelResult{order_id, refund, txn.id_text()}))};
  orders.final_statements.push_back(
      db::orders::mark_cancelled_sql(order_id, txn.id_text(), refund));
  for (auto& s : idempotency_.store_sql(key, answer, found_answer(locked)))
    orders.final_statements.push_back(std::move(s));
  if (!refund) {
    // One branch: a one-phase commit, whose outcome is read back if its answer is lost.
    orders.one_phase_probe = OnePhaseProbe{
        db::orders::cancel_txn_sql(order_id),
        [id = txn.id_text()](const db::Rows& rows) { return db::orders::cancelled_by(rows, id); }};
  }
  co_await engine_.commit(txn);
  if (refund) metrics_.refund();
  co_return answer;
}

template <typename Body>
asio::awaitable<Answer> XaArchitecture::transact(const char* kind, std::int64_t order_id,
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
    problem.txn_id = txn->id_text();  // GET /v1/transactions/{txn_id} shows why it aborted
    log_outcome(*txn, problem.status, false);
    throw ProblemError(std::move(problem));
  }
}

}  // namespace xacoord
