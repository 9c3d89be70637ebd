// The pay and the cancel of the outbox architecture, and the background work that delivers
// what they commit (docs/architectures/outbox.md). The steps on the far side are in
// message_handlers.cc, the relay in outbox_relay.cc, the consumers in outbox_consumer.cc.
#include "coordinator/architectures/outbox/outbox_architecture.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <nlohmann/json.hpp>

#include "common/check.h"
#include "common/crash_points.h"
#include "common/errors.h"
#include "coordinator/architectures/outbox/local_txn.h"
#include "coordinator/architectures/outbox/outbox_steps_sql.h"
#include "coordinator/domain/local_session.h"
#include "coordinator/domain/problem_mapping.h"
#include "coordinator/observability/event_log.h"
#include "participants/orders_sql.h"
#include "participants/outbox_sql.h"
#include "protocol/api_types.h"
#include "protocol/txn_id.h"

namespace xacoord {

namespace asio = boost::asio;
using outbox::Kind;

namespace {

std::string order_text(std::int64_t order_id) {
  return "order " + std::to_string(order_id);
}

// Counts a request for GET /v1/status while it lives.
struct Counted {
  explicit Counted(std::size_t& n) : n_(n) { ++n_; }
  ~Counted() { --n_; }
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;
  std::size_t& n_;
};

// The key's stored answer as read in the transaction (null without a key).
const db::Rows* found_answer(const db::Results& reads, const std::optional<IdempotencyKey>& key) {
  return key && reads.size() > 1 && reads[1] ? &*reads[1] : nullptr;
}

Answer cancel_answer(std::int64_t order_id, bool refund_pending, const std::string& txn_id) {
  nlohmann::json body{{"order_id", order_id},
                      {"status", "CANCELLED"},
                      {"refunded", false},
                      {"refund_pending", refund_pending},
                      {"txn_id", txn_id}};
  return Answer{200, api::dump(body)};
}

}  // namespace

OutboxArchitecture::OutboxArchitecture(asio::any_io_executor executor, db::Pool& orders,
                                       db::Pool& payments, const HealthMonitor& health,
                                       const Idempotency& idempotency, CoordinatorMetrics& metrics,
                                       Clock& clock, Options options)
    : executor_(executor),
      orders_(orders),
      payments_(payments),
      health_(health),
      idempotency_(idempotency),
      clock_(clock),
      options_(std::move(options)),
      names_(broker::StreamNames::with_prefix(options_.stream_prefix)),
      outbox_metrics_(metrics.registry()),
      publisher_client_(executor, options_.broker),
      orders_reader_client_(executor, options_.broker),
      payments_reader_client_(executor, options_.broker),
      publisher_(publisher_client_),
      orders_reader_(orders_reader_client_),
      payments_reader_(payments_reader_client_),
      orders_wakeup_(executor, clock),
      payments_wakeup_(executor, clock),
      handlers_(orders, payments,
                outbox::MessageHandlers::Topics{names_.to_orders, names_.to_payments},
                orders_wakeup_, payments_wakeup_, outbox_metrics_, clock, options_.deadline),
      // The orders database's outbox goes to payments, and the other way round.
      orders_relay_(orders, names_.to_payments, publisher_, orders_wakeup_, outbox_metrics_, clock,
                    outbox::Relay::Options{}),
      payments_relay_(payments, names_.to_orders, publisher_, payments_wakeup_, outbox_metrics_,
                      clock, outbox::Relay::Options{}),
      payments_consumer_(
          payments_reader_, names_.to_payments, std::string(broker::kPaymentsGroup),
          [this](const broker::Message& m,
                 const std::string& id) -> asio::awaitable<outbox::Applied> {
            outbox::Applied applied = co_await handlers_.on_payments(m, id);
            changed();
            co_return applied;
          },
          clock, outbox::Consumer::Options{options_.node_id}),
      orders_consumer_(
          orders_reader_, names_.to_orders, std::string(broker::kOrdersGroup),
          [this](const broker::Message& m,
                 const std::string& id) -> asio::awaitable<outbox::Applied> {
            outbox::Applied applied = co_await handlers_.on_orders(m, id);
            changed();
            co_return applied;
          },
          clock, outbox::Consumer::Options{options_.node_id}) {
  metrics.registry().gauge_fn("xacoord_outbox_pending_messages",
                              "Messages not yet delivered and applied (GET /v1/status)", {},
                              [this] { return static_cast<double>(status().pending_messages); });
}

OutboxArchitecture::~OutboxArchitecture() = default;

std::string OutboxArchitecture::next_txn_id() {
  return TxnId{options_.node_id, options_.epoch, next_seq_++}.to_string();
}

ArchitectureStatus OutboxArchitecture::status() const {
  std::size_t pending = counted_ ? pending_ : 1;
  if (changes_ != counted_at_change_) pending = std::max<std::size_t>(pending, 1);
  return ArchitectureStatus{requests_, pending};
}

void OutboxArchitecture::stop() {
  stopped_ = true;
  orders_relay_.stop();
  payments_relay_.stop();
  orders_consumer_.stop();
  payments_consumer_.stop();
  orders_wakeup_.notify();
  payments_wakeup_.notify();
}

asio::awaitable<void> OutboxArchitecture::run_background() {
  asio::co_spawn(executor_, orders_relay_.run(), asio::detached);
  asio::co_spawn(executor_, payments_relay_.run(), asio::detached);
  asio::co_spawn(executor_, payments_consumer_.run(), asio::detached);
  asio::co_spawn(executor_, orders_consumer_.run(), asio::detached);
  asio::co_spawn(executor_, keep_tidy(), asio::detached);
  co_await poll_status();
}

asio::awaitable<void> OutboxArchitecture::keep_tidy() {
  constexpr int kBatch = 1000;
  while (!stopped_) {
    co_await sleep_for(clock_, options_.tidy_every);
    if (stopped_) break;
    try {
      db::Pool* pools[2] = {&orders_, &payments_};
      for (db::Pool* pool : pools) {
        std::vector<std::string> purge;
        purge.push_back(db::outbox::purge_published_sql(options_.published_retention, kBatch));
        purge.push_back(db::outbox::purge_inbox_sql(options_.inbox_retention, kBatch));
        co_await run_local(*pool, deadline(), std::move(purge));
      }
      // Only entries every group has acknowledged go; the consumers made their groups.
      co_await publisher_.trim_acknowledged(names_.to_payments);
      co_await publisher_.trim_acknowledged(names_.to_orders);
    } catch (const std::exception& e) {
      log_event("outbox_housekeeping_failed", {{"error", e.what()}});
    }
  }
}

asio::awaitable<std::size_t> OutboxArchitecture::count_pending() {
  // In the order a message travels: a message that moves on between two reads is seen by
  // the later one. A consumer's commit can put a row back into an outbox already read;
  // changed() marks such a count stale.
  std::size_t n = 0;
  db::Pool* pools[2] = {&orders_, &payments_};
  const std::string* topics[2] = {&names_.to_payments, &names_.to_orders};
  for (int i = 0; i < 2; ++i) {
    std::vector<std::string> count;
    count.push_back(db::outbox::unpublished_sql(*topics[i]));
    db::Results r = co_await run_local(*pools[i], deadline(), std::move(count));
    n += static_cast<std::size_t>(db::outbox::backlog_from(*r.at(0)).unpublished);
  }
  n += static_cast<std::size_t>(
      co_await publisher_.unfinished(names_.to_payments, std::string(broker::kPaymentsGroup)));
  n += static_cast<std::size_t>(
      co_await publisher_.unfinished(names_.to_orders, std::string(broker::kOrdersGroup)));
  co_return n;
}

asio::awaitable<void> OutboxArchitecture::poll_status() {
  while (!stopped_) {
    const std::uint64_t at = changes_;
    bool ok = false;
    std::size_t n = 0;
    try {
      n = co_await count_pending();
      ok = true;
    } catch (const std::exception&) {
      // A database or the broker down: undelivered is not known, so not settled.
    }
    counted_ = ok;
    pending_ = n;
    counted_at_change_ = at;
    co_await sleep_for(clock_, options_.status_poll);
  }
}

// ---- requests ----

asio::awaitable<Answer> OutboxArchitecture::answered(asio::awaitable<Answer> work) {
  Counted counted(requests_);
  std::exception_ptr failure;
  try {
    co_return co_await std::move(work);
  } catch (const ProblemError&) {
    throw;
  } catch (...) {
    failure = std::current_exception();
  }
  throw ProblemError(problem_for(failure));
}

asio::awaitable<Answer> OutboxArchitecture::pay(std::int64_t order_id,
                                                std::optional<IdempotencyKey> key) {
  co_return co_await answered(pay_in(order_id, key));
}

asio::awaitable<Answer> OutboxArchitecture::cancel(std::int64_t order_id,
                                                   std::optional<IdempotencyKey> key) {
  co_return co_await answered(cancel_in(order_id, key));
}

asio::awaitable<Answer> OutboxArchitecture::pay_in(std::int64_t order_id,
                                                   const std::optional<IdempotencyKey>& key) {
  health_.require_up(orders_);
  std::vector<std::string> reads{db::orders::lock_order_sql(order_id)};
  if (auto find = idempotency_.find_sql(key)) reads.push_back(std::move(*find));
  outbox::LocalTxn txn = co_await outbox::LocalTxn::begin(orders_, deadline(), std::move(reads));
  const db::Rows* found = found_answer(txn.reads(), key);
  if (found) {
    if (auto replay = idempotency_.stored_answer(key, *found)) {
      co_await txn.rollback();
      co_return *replay;
    }
  }
  auto order = db::orders::order_from(*txn.reads().at(0));
  if (!order) {
    co_await txn.rollback();
    throw ProblemError(problems::not_found("no " + order_text(order_id)));
  }
  if (order->status != "PENDING") {
    co_await txn.rollback();
    throw ProblemError(problems::order_not_payable(order_text(order_id) + " is " + order->status));
  }
  const std::string txn_id = next_txn_id();
  nlohmann::json body{{"order_id", order_id}, {"status", "PAYING"}, {"txn_id", txn_id}};
  Answer answer{202, api::dump(body)};
  outbox::Payload charge{order_id, order->account_id, order->amount_cents, txn_id, ""};
  std::vector<std::string> writes{
      outbox::sql::mark_paying_sql(order_id, txn_id),
      db::outbox::insert_sql(outbox::msg_id_of(txn_id, Kind::kCharge), names_.to_payments,
                             std::string(outbox::name_of(Kind::kCharge)), outbox::to_text(charge))};
  for (auto& s : idempotency_.store_sql(key, answer, found))
    writes.push_back(std::move(s));
  crash_point(CrashPoint::kOutboxBeforePayCommit);
  co_await txn.commit(std::move(writes));
  changed();
  orders_wakeup_.notify();
  crash_point(CrashPoint::kOutboxAfterPayCommit);
  co_return answer;
}

asio::awaitable<Answer> OutboxArchitecture::cancel_in(std::int64_t order_id,
                                                      const std::optional<IdempotencyKey>& key) {
  health_.require_up(orders_);
  std::vector<std::string> reads{db::orders::lock_order_sql(order_id)};
  if (auto find = idempotency_.find_sql(key)) reads.push_back(std::move(*find));
  outbox::LocalTxn txn = co_await outbox::LocalTxn::begin(orders_, deadline(), std::move(reads));
  const db::Rows* found = found_answer(txn.reads(), key);
  if (found) {
    if (auto replay = idempotency_.stored_answer(key, *found)) {
      co_await txn.rollback();
      co_return *replay;
    }
  }
  auto order = db::orders::order_from(*txn.reads().at(0));
  if (!order) {
    co_await txn.rollback();
    throw ProblemError(problems::not_found("no " + order_text(order_id)));
  }
  if (order->status == "CANCELLED") {
    // Cancelled before: what was recorded then (`refunded` holds its refund_pending).
    Answer answer = cancel_answer(order_id, order->refunded, order->cancel_txn_id.value_or(""));
    std::vector<std::string> store = idempotency_.store_sql(key, answer, found);
    if (store.empty()) {
      co_await txn.rollback();
    } else {
      co_await txn.commit(std::move(store));
    }
    co_return answer;
  }
  XA_CHECK(order->status == "PENDING" || order->status == "PAYING" || order->status == "PAID",
           order_text(order_id) + " has the unknown status " + order->status);
  // A PAID order's charge is given back now; a PAYING one's when its "charged" arrives
  // (message_handlers.cc); a PAYING one whose charge is refused needs nothing.
  const bool refund_pending = order->status != "PENDING";
  const std::string txn_id = next_txn_id();
  Answer answer = cancel_answer(order_id, refund_pending, txn_id);
  std::vector<std::string> writes{db::orders::mark_cancelled_sql(order_id, txn_id, refund_pending)};
  const bool paid = order->status == "PAID";
  if (paid) {
    outbox::Payload refund{order_id, order->account_id, order->amount_cents, txn_id, ""};
    writes.push_back(db::outbox::insert_sql(
        outbox::msg_id_of(txn_id, Kind::kRefund), names_.to_payments,
        std::string(outbox::name_of(Kind::kRefund)), outbox::to_text(refund)));
  }
  for (auto& s : idempotency_.store_sql(key, answer, found))
    writes.push_back(std::move(s));
  co_await txn.commit(std::move(writes));
  changed();
  if (paid) orders_wakeup_.notify();
  crash_point(CrashPoint::kOutboxAfterCancelCommit);
  co_return answer;
}

}  // namespace xacoord
