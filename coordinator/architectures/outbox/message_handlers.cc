#include "coordinator/architectures/outbox/message_handlers.h"

#include "common/check.h"
#include "common/crash_points.h"
#include "coordinator/architectures/outbox/local_txn.h"
#include "coordinator/architectures/outbox/outbox_steps_sql.h"
#include "coordinator/observability/event_log.h"
#include "participants/db_error.h"
#include "participants/orders_sql.h"
#include "participants/outbox_sql.h"
#include "participants/payments_sql.h"

namespace xacoord::outbox {

namespace asio = boost::asio;

namespace {

std::string order_text(std::int64_t order_id) {
  return "order " + std::to_string(order_id);
}

// Opens the message's transaction with its inbox row first; nullopt if the row is there
// (applied before, or by a delivery this insert waited for).
asio::awaitable<std::optional<LocalTxn>> open_with_inbox(db::Pool& pool, SteadyTime deadline,
                                                         const broker::Message& m,
                                                         const std::string& topic,
                                                         const std::string& entry_id,
                                                         std::vector<std::string> locks) {
  locks.insert(locks.begin(), db::outbox::record_inbox_sql(m.msg_id, topic, entry_id));
  bool duplicate = false;
  std::optional<LocalTxn> txn;
  try {
    txn.emplace(co_await LocalTxn::begin(pool, deadline, std::move(locks)));
  } catch (const db::DbError& e) {
    if (!db::outbox::is_duplicate_inbox_message(e)) throw;
    duplicate = true;
  }
  if (duplicate) co_return std::nullopt;
  co_return txn;
}

// The reads after the inbox insert (whose own result is the first).
const db::Rows& read_at(const LocalTxn& txn, std::size_t i) {
  const auto& r = txn.reads().at(i + 1);
  XA_CHECK(r.has_value(), "a locking read of the outbox architecture returned no rows");
  return *r;
}

}  // namespace

MessageHandlers::MessageHandlers(db::Pool& orders, db::Pool& payments, Topics topics,
                                 Wakeup& orders_relay, Wakeup& payments_relay,
                                 OutboxMetrics& metrics, Clock& clock,
                                 std::chrono::milliseconds deadline)
    : orders_(orders),
      payments_(payments),
      topics_(std::move(topics)),
      orders_relay_(orders_relay),
      payments_relay_(payments_relay),
      metrics_(metrics),
      clock_(clock),
      deadline_(deadline) {}

Applied MessageHandlers::park(const broker::Message& m, const std::string& stream,
                              const std::string& why) {
  metrics_.parked();
  log_event("outbox_message_parked",
            {{"stream", stream}, {"msg_id", m.msg_id}, {"kind", m.kind}, {"reason", why}});
  return Applied::kParked;
}

asio::awaitable<Applied> MessageHandlers::on_payments(const broker::Message& m,
                                                      const std::string& entry_id) {
  auto kind = kind_from(m.kind);
  auto p = payload_from(m.payload);
  if (!p) co_return park(m, topics_.to_payments, "payload is not a payment message");
  if (kind == Kind::kCharge) co_return co_await charge(m, entry_id, *p);
  if (kind == Kind::kRefund) co_return co_await refund(m, entry_id, *p);
  co_return park(m, topics_.to_payments, "kind " + m.kind + " is not for payments");
}

asio::awaitable<Applied> MessageHandlers::on_orders(const broker::Message& m,
                                                    const std::string& entry_id) {
  auto kind = kind_from(m.kind);
  auto p = payload_from(m.payload);
  if (!p) co_return park(m, topics_.to_orders, "payload is not a payment message");
  if (kind == Kind::kCharged || kind == Kind::kChargeRefused)
    co_return co_await settle(m, entry_id, *kind, *p);
  co_return park(m, topics_.to_orders, "kind " + m.kind + " is not for orders");
}

asio::awaitable<Applied> MessageHandlers::charge(const broker::Message& m,
                                                 const std::string& entry_id, const Payload& p) {
  std::vector<std::string> locks{sql::lock_account_sql(p.account_id),
                                 sql::lock_payment_sql(p.order_id)};
  auto txn = co_await open_with_inbox(payments_, deadline(), m, topics_.to_payments, entry_id,
                                      std::move(locks));
  if (!txn) {
    metrics_.duplicate();
    co_return Applied::kDuplicate;
  }
  auto balance = sql::balance_from(read_at(*txn, 0));
  auto payment = sql::payment_state_from(read_at(*txn, 1));
  // One charge message per pay, applied once (the inbox), and one pay at a time holds the
  // order PAYING: a payment already there is a bug, not a race.
  XA_CHECK(!payment, order_text(p.order_id) + " has a " + (payment ? payment->status : "") +
                         " payment of " + (payment ? payment->txn_id : "") +
                         " when the charge of " + p.txn_id + " arrives");
  std::vector<std::string> writes;
  Kind follow_up = Kind::kCharged;
  Payload reply = p;
  if (!balance || *balance < p.amount_cents) {
    follow_up = Kind::kChargeRefused;
    reply.reason = balance ? "insufficient_funds" : "no_account";
  } else {
    writes = db::payments::capture_sql(p.order_id, p.account_id, p.amount_cents, p.txn_id);
  }
  writes.push_back(db::outbox::insert_sql(msg_id_of(p.txn_id, follow_up), topics_.to_orders,
                                          std::string(name_of(follow_up)), to_text(reply)));
  crash_point(CrashPoint::kOutboxBeforeChargeCommit);
  co_await txn->commit(std::move(writes));
  crash_point(CrashPoint::kOutboxAfterChargeCommit);
  payments_relay_.notify();
  metrics_.applied(Kind::kCharge);
  co_return Applied::kApplied;
}

asio::awaitable<Applied> MessageHandlers::refund(const broker::Message& m,
                                                 const std::string& entry_id, const Payload& p) {
  std::vector<std::string> locks{sql::lock_account_sql(p.account_id),
                                 sql::lock_payment_sql(p.order_id)};
  auto txn = co_await open_with_inbox(payments_, deadline(), m, topics_.to_payments, entry_id,
                                      std::move(locks));
  if (!txn) {
    metrics_.duplicate();
    co_return Applied::kDuplicate;
  }
  auto payment = sql::payment_state_from(read_at(*txn, 1));
  // A refund is asked only after its charge was applied (charged, then PAID or found
  // cancelled), and once per order.
  XA_CHECK(payment && payment->status == "CAPTURED",
           "the refund " + m.msg_id + " of " + order_text(p.order_id) + " finds its payment " +
               (payment ? payment->status : std::string("missing")));
  std::vector<std::string> writes =
      db::payments::refund_sql(p.order_id, p.account_id, p.amount_cents, p.txn_id);
  crash_point(CrashPoint::kOutboxBeforeRefundCommit);
  db::Results results = co_await txn->commit(std::move(writes));
  XA_CHECK(db::payments::refund_done(*results.back(), p.account_id, p.amount_cents, p.txn_id),
           "the refund " + m.msg_id + " did not refund the payment of " + order_text(p.order_id));
  crash_point(CrashPoint::kOutboxAfterRefundCommit);
  metrics_.applied(Kind::kRefund);
  co_return Applied::kApplied;
}

asio::awaitable<Applied> MessageHandlers::settle(const broker::Message& m,
                                                 const std::string& entry_id, Kind kind,
                                                 const Payload& p) {
  std::vector<std::string> locks{db::orders::lock_order_sql(p.order_id)};
  auto txn = co_await open_with_inbox(orders_, deadline(), m, topics_.to_orders, entry_id,
                                      std::move(locks));
  if (!txn) {
    metrics_.duplicate();
    co_return Applied::kDuplicate;
  }
  auto order = db::orders::order_from(read_at(*txn, 0));
  XA_CHECK(order.has_value(), order_text(p.order_id) + " of " + m.msg_id + " vanished");
  // Only the pay that moved it to PAYING sent a charge; a cancel keeps pay_txn_id.
  XA_CHECK(
      order->pay_txn_id == p.txn_id && (order->status == "PAYING" || order->status == "CANCELLED"),
      order_text(p.order_id) + " is " + order->status + " by " +
          order->pay_txn_id.value_or("nobody") + " when " + m.msg_id + " arrives");
  std::vector<std::string> writes;
  bool refund_requested = false;
  if (order->status == "PAYING") {
    writes.push_back(kind == Kind::kCharged ? sql::paying_to_paid_sql(p.order_id, p.txn_id)
                                            : sql::paying_to_pending_sql(p.order_id, p.txn_id));
  } else if (kind == Kind::kCharged) {
    // Cancelled while its charge was on the way: the charge is given back.
    Payload ask = p;
    ask.reason.clear();
    writes.push_back(db::outbox::insert_sql(msg_id_of(p.txn_id, Kind::kRefund), topics_.to_payments,
                                            std::string(name_of(Kind::kRefund)), to_text(ask)));
    refund_requested = true;
  }
  crash_point(CrashPoint::kOutboxBeforeSettleCommit);
  co_await txn->commit(std::move(writes));
  crash_point(CrashPoint::kOutboxAfterSettleCommit);
  if (refund_requested) orders_relay_.notify();
  metrics_.applied(kind);
  co_return Applied::kApplied;
}

}  // namespace xacoord::outbox
