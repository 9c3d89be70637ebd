// The pay and the cancel of the tcc architecture (docs/architectures/tcc.md). The branch
// steps are in tcc_branches.cc, the order they run in is tcc_driver.cc, and who finishes a
// transaction a request could not is tcc_recovery.cc; here: what a request does, and which
// answer it gets.
#include "coordinator/architectures/tcc/tcc_architecture.h"

#include "common/check.h"
#include "common/crash_points.h"
#include "common/errors.h"
#include "coordinator/domain/local_session.h"
#include "coordinator/domain/problem_mapping.h"
#include "coordinator/observability/event_log.h"
#include "participants/orders_sql.h"
#include "protocol/txn_id.h"

namespace xacoord {

namespace asio = boost::asio;
using tcc::Kind;
using tcc::Phase;

namespace {

std::string order_text(std::int64_t order_id) {
  return "order " + std::to_string(order_id);
}

// A cancel that meets PAYING orders again and again (new pays keep starting) gives up
// after this many rounds with a 503.
constexpr int kCancelRounds = 8;

}  // namespace

TccArchitecture::TccArchitecture(asio::any_io_executor executor, db::Pool& orders,
                                 db::Pool& payments, const HealthMonitor& health,
                                 const Idempotency& idempotency, CoordinatorMetrics& metrics,
                                 Clock& clock, Options options)
    : executor_(std::move(executor)),
      orders_(orders),
      payments_(payments),
      health_(health),
      idempotency_(idempotency),
      metrics_(metrics),
      clock_(clock),
      options_(std::move(options)),
      branches_(orders, payments, idempotency, clock,
                tcc::TccBranches::Options{options_.node_id, options_.deadline}),
      driver_(branches_, metrics) {
  metrics.registry().gauge_fn(
      "xacoord_tcc_transactions_open",
      "TCC global transactions a request or the background is driving to Confirm or Cancel", {},
      [this] { return static_cast<double>(driving_.size()); });
}

std::string TccArchitecture::next_gid() {
  return TxnId{options_.node_id, options_.epoch, next_seq_++}.to_string();
}

ArchitectureStatus TccArchitecture::status() const {
  // Until recovery has listed the open rows, what an earlier run left is not known.
  return ArchitectureStatus{requests_ + background_, listed_ ? 0u : 1u};
}

asio::awaitable<Answer> TccArchitecture::pay(std::int64_t order_id,
                                             std::optional<IdempotencyKey> key) {
  tcc::Counted counted(requests_);
  std::exception_ptr failure;
  try {
    co_return co_await pay_txn(order_id, key);
  } catch (const ProblemError&) {
    throw;
  } catch (...) {
    failure = std::current_exception();
  }
  throw ProblemError(problem_for(failure));
}

asio::awaitable<Answer> TccArchitecture::cancel(std::int64_t order_id,
                                                std::optional<IdempotencyKey> key) {
  tcc::Counted counted(requests_);
  std::exception_ptr failure;
  try {
    co_return co_await cancel_txn(order_id, key);
  } catch (const ProblemError&) {
    throw;
  } catch (...) {
    failure = std::current_exception();
  }
  throw ProblemError(problem_for(failure));
}

Answer TccArchitecture::pay_outcome(const tcc::Txn& txn) const {
  if (txn.phase == Phase::kConfirmed) return tcc::confirmed_answer(txn);
  XA_CHECK(txn.phase == Phase::kCancelled,
           "pay " + txn.gid + " answered in phase " + std::string(tcc::name_of(txn.phase)));
  if (txn.refusal) throw ProblemError(*txn.refusal);
  // Decided Cancel by someone else: a cancel of the order ended this pay.
  throw ProblemError(problems::order_not_payable(
      order_text(txn.order_id) +
      " was cancelled while it was being paid; its Try was cancelled and nothing was charged"));
}

asio::awaitable<Answer> TccArchitecture::pay_txn(std::int64_t order_id,
                                                 const std::optional<IdempotencyKey>& key) {
  const SteadyTime until = deadline();
  health_.require_up(orders_);
  health_.require_up(payments_);

  // The order must be PENDING; a PAYING one is another pay's (or this key's earlier try,
  // still finishing): wait, bounded by the deadline, for it to end.
  std::chrono::milliseconds poll{10};
  for (;;) {
    std::vector<std::string> reads;
    reads.push_back(db::orders::find_order_sql(order_id));
    if (auto find = idempotency_.find_sql(key)) reads.push_back(std::move(*find));
    db::Results read = co_await run_local(orders_, until, std::move(reads));
    if (key && read.size() > 1 && read[1]) {
      if (auto replay = idempotency_.stored_answer(key, *read[1])) co_return *replay;
    }
    auto order = db::orders::order_from(*read.at(0));
    if (!order) throw ProblemError(problems::not_found("no " + order_text(order_id)));
    if (order->status == "PENDING") break;
    if (order->status != "PAYING") {
      throw ProblemError(
          problems::order_not_payable(order_text(order_id) + " is " + order->status));
    }
    if (clock_.now() + poll >= until) {
      throw ProblemError(problems::unavailable(
          order_text(order_id) + " is PAYING (pay " + order->pay_txn_id.value_or("?") +
              " is being confirmed or cancelled); retry (with the same Idempotency-Key) for "
              "its outcome",
          1));
    }
    co_await sleep_for(clock_, poll);
    poll = std::min(poll * 2, std::chrono::milliseconds(200));
  }

  auto txn = std::make_shared<tcc::Txn>();
  txn->gid = next_gid();
  txn->kind = Kind::kPay;
  txn->phase = Phase::kTryingOrders;
  txn->order_id = order_id;
  txn->key = key;
  driving_.insert(txn->gid);  // before anything is sent: the orphan scan leaves it alone
  crash_point(CrashPoint::kTccBeforeTry);
  std::exception_ptr failure;
  tcc::TccBranches::OrdersTry tried;
  try {
    tried = co_await branches_.try_orders(*txn);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    if (!tcc::certainly_not_committed(failure)) {
      hand_to_background(txn);  // settles whether it committed, and cancels it if it did
      throw ProblemError(problems::unavailable(
          "the Try of " + order_text(order_id) + " (pay " + txn->gid +
              ") got no answer: " + describe(failure) +
              "; it will be cancelled if it committed, retry (with the same Idempotency-Key)",
          1));
    }
    driving_.erase(txn->gid);
    std::rethrow_exception(failure);
  }
  if (!tried.tried) {
    driving_.erase(txn->gid);
    throw ProblemError(problems::order_not_payable(order_text(order_id) + " is " + tried.status));
  }
  txn->phase = Phase::kOrdersTried;
  crash_point(CrashPoint::kTccAfterTryOrders);
  try {
    co_await driver_.advance(*txn);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    const std::string phase(tcc::name_of(txn->phase));
    hand_to_background(txn);
    throw ProblemError(problems::unavailable(
        "the pay of " + order_text(order_id) + " (" + txn->gid + ") is not finished (" + phase +
            ": " + describe(failure) +
            "); it will be confirmed or cancelled, retry with the same Idempotency-Key for its "
            "outcome",
        1));
  }
  driving_.erase(txn->gid);
  log_event("tcc", {{"gid", txn->gid},
                    {"kind", "pay"},
                    {"order_id", order_id},
                    {"outcome", std::string(tcc::name_of(txn->phase))}});
  co_return pay_outcome(*txn);
}

asio::awaitable<void> TccArchitecture::settle_paying(std::int64_t order_id,
                                                     const std::string& gid) {
  std::optional<tcc::sql::GlobalRow> row = co_await branches_.find_global(gid);
  // The orders Try writes PAYING and this row in one local transaction.
  XA_CHECK(row.has_value(),
           order_text(order_id) + " is PAYING by " + gid + " without its tcc_global row");
  TxnPtr pay = adopt(*row);
  if (pay->phase == Phase::kTryingOrders || pay->phase == Phase::kDecidingCancel) {
    log_event("tcc_pay_ended_by_cancel", {{"gid", gid}, {"order_id", order_id}});
  }
  // Driven here, while its own driver (this node's pay, another node's, or recovery) may
  // drive it too: every step's barrier lets only one of them apply it.
  co_await driver_.advance(*pay);
}

asio::awaitable<Answer> TccArchitecture::cancel_txn(std::int64_t order_id,
                                                    const std::optional<IdempotencyKey>& key) {
  health_.require_up(orders_);
  for (int round = 0; round < kCancelRounds; ++round) {
    auto refund = std::make_shared<tcc::Txn>();
    refund->gid = next_gid();
    refund->kind = Kind::kRefund;
    refund->phase = Phase::kRefunding;
    refund->order_id = order_id;
    tcc::TccBranches::CancelOutcome outcome;
    std::exception_ptr lost;
    try {
      outcome = co_await branches_.cancel_order(*refund, key);
    } catch (...) {
      lost = std::current_exception();
    }
    if (lost) {
      if (refund->phase != Phase::kCancellingPaid || tcc::certainly_not_committed(lost))
        std::rethrow_exception(lost);
      // The cancel of a paid order may commit after all (its COMMIT held by the network):
      // the background settles it and refunds if it did, before the node says settled.
      hand_to_background(refund);
      throw ProblemError(problems::unavailable(
          "the cancel of " + order_text(order_id) + " (" + refund->gid +
              ") got no answer: " + describe(lost) +
              "; if it committed its refund follows, retry with the same Idempotency-Key for "
              "its outcome",
          1));
    }
    using Cancelled = tcc::TccBranches::Cancelled;
    if (outcome.what == Cancelled::kWasPaying) {
      // Ends that pay (Cancel if undecided) or finishes it (if decided Confirm), then looks
      // again: PENDING is cancelled, PAID is refunded.
      co_await settle_paying(order_id, outcome.paying_gid);
      continue;
    }
    if (outcome.what != Cancelled::kWasPaid) co_return outcome.answer;
    crash_point(CrashPoint::kTccAfterRefundOrders);
    driving_.insert(refund->gid);
    std::exception_ptr failure;
    try {
      co_await driver_.advance(*refund);
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure) {
      hand_to_background(refund);
      throw ProblemError(problems::unavailable(
          order_text(order_id) + " is CANCELLED and its refund (" + refund->gid +
              ") is not finished (" + describe(failure) +
              "); it will be refunded, retry with the same Idempotency-Key for the answer",
          1));
    }
    driving_.erase(refund->gid);
    log_event("tcc", {{"gid", refund->gid},
                      {"kind", "refund"},
                      {"order_id", order_id},
                      {"outcome", std::string(tcc::name_of(refund->phase))}});
    co_return outcome.answer;
  }
  throw ProblemError(problems::unavailable(
      order_text(order_id) + " kept being paid while it was being cancelled; retry", 1));
}

}  // namespace xacoord
