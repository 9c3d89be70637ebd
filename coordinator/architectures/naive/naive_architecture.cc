#include "coordinator/architectures/naive/naive_architecture.h"

#include "coordinator/domain/local_session.h"
#include "coordinator/domain/problem_mapping.h"
#include "common/crash_points.h"
#include "participants/orders_sql.h"
#include "participants/payments_sql.h"
#include "protocol/api_types.h"

namespace xacoord {

namespace asio = boost::asio;

namespace {

// Counts a pay or cancel in flight for /v1/status while it lives.
struct InFlight {
  explicit InFlight(std::size_t& n) : n_(n) { ++n_; }
  ~InFlight() { --n_; }
  std::size_t& n_;
};

}  // namespace

NaiveArchitecture::NaiveArchitecture(db::Pool& orders, db::Pool& payments,
                                     const HealthMonitor& health, const Idempotency& idempotency,
                                     CoordinatorMetrics& metrics, Clock& clock, Options options)
    : orders_(orders),
      payments_(payments),
      health_(health),
      idempotency_(idempotency),
      metrics_(metrics),
      clock_(clock),
      options_(std::move(options)) {}

std::string NaiveArchitecture::next_txn_id() {
  return TxnId{options_.node_id, options_.epoch, next_seq_++}.to_string();
}

// A plain read: no lock is held past it, which is the whole flaw.
asio::awaitable<NaiveArchitecture::Read> NaiveArchitecture::read_order(
    std::int64_t order_id, const std::optional<IdempotencyKey>& key) {
  std::vector<std::string> statements;
  statements.push_back(db::orders::find_order_sql(order_id));
  if (auto find = idempotency_.find_sql(key)) statements.push_back(std::move(*find));
  db::Results results = co_await run_local(orders_, deadline(), std::move(statements));
  Read read;
  if (results.size() > 1 && results[1]) {
    read.found_answer = *results[1];
    read.replay = idempotency_.stored_answer(key, *results[1]);
    if (read.replay) co_return read;
  }
  auto order = db::orders::order_from(*results.at(0));
  if (!order) throw ProblemError(problems::not_found("no order " + std::to_string(order_id)));
  read.order = std::move(*order);
  co_return read;
}

asio::awaitable<bool> NaiveArchitecture::commit_orders(std::string change,
                                                       std::vector<std::string> store_answer) {
  db::Lease lease = co_await orders_.acquire(deadline());
  db::Session& session = lease.session();
  std::exception_ptr failure;
  bool changed = false;
  try {
    std::vector<std::string> first;
    first.push_back("START TRANSACTION");
    first.push_back(std::move(change));
    first.push_back("SELECT ROW_COUNT()");
    db::Results results = co_await session.batch(std::move(first));
    changed = db::single_int(*results.at(2)) == 1;
    std::vector<std::string> rest = changed ? std::move(store_answer) : std::vector<std::string>{};
    rest.push_back(changed ? "COMMIT" : "ROLLBACK");
    co_await session.batch(std::move(rest));
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    lease.discard_session();
    std::rethrow_exception(failure);
  }
  co_return changed;
}

// Counts the request in flight for /v1/status while it runs, and turns every failure into
// the problem the client hears.
asio::awaitable<Answer> NaiveArchitecture::answered(asio::awaitable<Answer> work) {
  InFlight counted(in_flight_);
  std::exception_ptr failure;
  try {
    co_return co_await std::move(work);
  } catch (...) {
    failure = std::current_exception();
  }
  throw ProblemError(problem_for(failure));
}

asio::awaitable<Answer> NaiveArchitecture::pay(std::int64_t order_id,
                                               std::optional<IdempotencyKey> key) {
  co_return co_await answered(pay_in(order_id, std::move(key)));
}

asio::awaitable<Answer> NaiveArchitecture::cancel(std::int64_t order_id,
                                                  std::optional<IdempotencyKey> key) {
  co_return co_await answered(cancel_in(order_id, std::move(key)));
}

asio::awaitable<Answer> NaiveArchitecture::pay_in(std::int64_t order_id,
                                                  std::optional<IdempotencyKey> key) {
  health_.require_up(orders_);
  Read read = co_await read_order(order_id, key);
  if (read.replay) co_return *read.replay;
  if (read.order.status != "PENDING") {
    throw ProblemError(problems::order_not_payable("order " + std::to_string(order_id) + " is " +
                                                   read.order.status));
  }
  health_.require_up(payments_);
  const std::string txn_id = next_txn_id();
  crash_point(CrashPoint::kBeforePrepare);
  co_await run_local_transaction(
      payments_, deadline(),
      db::payments::capture_sql(order_id, read.order.account_id, read.order.amount_cents, txn_id));
  // Charged. Nothing ties the order's commit to this one.
  crash_point(CrashPoint::kAfterCommitFirst);
  Answer answer{200, api::dump(api::to_json(api::PayResult{
                         order_id, db::payments::payment_id_for(order_id), txn_id}))};
  const db::Rows* found = read.found_answer ? &*read.found_answer : nullptr;
  bool paid = co_await commit_orders(db::orders::mark_paid_sql(order_id, txn_id),
                                     idempotency_.store_sql(key, answer, found));
  crash_point(CrashPoint::kAfterCommitAll);
  if (!paid) {
    // Cancelled between the read and now: the charge stays (the anomaly 2PC prevents).
    throw ProblemError(problems::order_not_payable("order " + std::to_string(order_id) +
                                                   " was cancelled while it was being paid"));
  }
  co_return answer;
}

asio::awaitable<Answer> NaiveArchitecture::cancel_in(std::int64_t order_id,
                                                     std::optional<IdempotencyKey> key) {
  health_.require_up(orders_);
  Read read = co_await read_order(order_id, key);
  if (read.replay) co_return *read.replay;
  const db::orders::OrderRow& order = read.order;
  if (order.status == "CANCELLED") {
    co_return Answer{200, api::dump(api::to_json(api::CancelResult{
                              order_id, order.refunded, order.cancel_txn_id.value_or("")}))};
  }
  const std::string txn_id = next_txn_id();
  const bool refund = order.status == "PAID";
  if (refund) {
    health_.require_up(payments_);
    crash_point(CrashPoint::kBeforePrepare);
    std::vector<std::string> statements =
        db::payments::refund_sql(order_id, order.account_id, order.amount_cents, txn_id);
    statements.pop_back();  // the read-back check is the XA arm's; naive checks nothing
    co_await run_local_transaction(payments_, deadline(), std::move(statements));
    metrics_.refund();
    crash_point(CrashPoint::kAfterCommitFirst);
  }
  Answer answer{200, api::dump(api::to_json(api::CancelResult{order_id, refund, txn_id}))};
  const db::Rows* found = read.found_answer ? &*read.found_answer : nullptr;
  co_await commit_orders(db::orders::mark_cancelled_sql(order_id, txn_id, refund),
                         idempotency_.store_sql(key, answer, found));
  crash_point(CrashPoint::kAfterCommitAll);
  co_return answer;
}

}  // namespace xacoord
