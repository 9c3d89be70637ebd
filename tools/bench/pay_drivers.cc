#include "tools/bench/pay_drivers.h"

#include "participants/db_error.h"
#include "participants/orders_sql.h"
#include "participants/payments_sql.h"
#include "protocol/txn_id.h"

namespace xacoord::bench {

const char* name_of(Mode mode) {
  switch (mode) {
    case Mode::kXacoord:
      return "xacoord";
    case Mode::kXaFloor:
      return "xa-floor";
    case Mode::kNonAtomic:
      return "non-atomic";
  }
  return "?";
}

namespace {

db::Timeouts bench_timeouts() {
  db::Timeouts t;
  t.read = std::chrono::seconds(30);
  return t;
}

class XacoordDriver final : public PayDriver {
 public:
  explicit XacoordDriver(const DriverSetup& s)
      : http_(s.coordinator_host, s.coordinator_port, std::chrono::seconds(30)) {}
  bool pay(const PayTarget& t, std::uint64_t) override {
    return http_.request("POST", "/v1/orders/" + std::to_string(t.order_id) + "/pay").status == 200;
  }

 private:
  HttpClient http_;
};

// Both SQL drivers send exactly the statements the coordinator's branches run, one
// statement per round trip, in the coordinator's lock order (order row first).
class SqlDriver : public PayDriver {
 protected:
  explicit SqlDriver(const DriverSetup& s)
      : orders_(db::Connection::open(db::Endpoint::parse(s.orders_url), bench_timeouts())),
        payments_(db::Connection::open(db::Endpoint::parse(s.payments_url), bench_timeouts())),
        tag_(s.thread_tag) {}

  // The statements of both branches; `begin`/`end` bracket each branch.
  bool run_pay(const PayTarget& t, const std::string& txn_id,
               const std::function<void(db::Connection&)>& begin_orders,
               const std::function<void(db::Connection&)>& begin_payments) {
    begin_orders(*orders_);
    auto order = db::orders::order_from(orders_->query(db::orders::lock_order_sql(t.order_id)));
    if (!order || order->status != "PENDING") return false;
    orders_->execute(db::orders::mark_paid_sql(t.order_id, txn_id));
    begin_payments(*payments_);
    for (const auto& s :
         db::payments::capture_sql(t.order_id, t.account_id, t.amount_cents, txn_id))
      payments_->execute(s);
    return true;
  }

  std::unique_ptr<db::Connection> orders_;
  std::unique_ptr<db::Connection> payments_;
  std::string tag_;
};

class XaFloorDriver final : public SqlDriver {
 public:
  explicit XaFloorDriver(const DriverSetup& s) : SqlDriver(s) {}
  bool pay(const PayTarget& t, std::uint64_t seq) override {
    TxnId id{"bench", 1, seq};
    std::string txn_id = tag_ + "-" + std::to_string(seq);
    Xid xo = branch_xid(id, "orders" + tag_), xp = branch_xid(id, "payments" + tag_);
    bool ok = run_pay(
        t, txn_id, [&](db::Connection& c) { c.xa_start(xo); },
        [&](db::Connection& c) { c.xa_start(xp); });
    orders_->xa_end(xo);
    if (!ok) {  // the order was not payable: the payments branch never started
      orders_->xa_rollback(xo);
      return false;
    }
    payments_->xa_end(xp);
    orders_->xa_prepare(xo);
    payments_->xa_prepare(xp);
    orders_->xa_commit(xo);
    payments_->xa_commit(xp);
    return true;
  }
};

class NonAtomicDriver final : public SqlDriver {
 public:
  explicit NonAtomicDriver(const DriverSetup& s) : SqlDriver(s) {}
  bool pay(const PayTarget& t, std::uint64_t seq) override {
    auto begin = [](db::Connection& c) { c.execute("START TRANSACTION"); };
    bool ok = run_pay(t, tag_ + "-" + std::to_string(seq), begin, begin);
    if (!ok) {
      orders_->execute("ROLLBACK");
      return false;
    }
    orders_->execute("COMMIT");
    payments_->execute("COMMIT");
    return true;
  }
};

}  // namespace

std::unique_ptr<PayDriver> make_driver(Mode mode, const DriverSetup& setup) {
  switch (mode) {
    case Mode::kXacoord:
      return std::make_unique<XacoordDriver>(setup);
    case Mode::kXaFloor:
      return std::make_unique<XaFloorDriver>(setup);
    case Mode::kNonAtomic:
      return std::make_unique<NonAtomicDriver>(setup);
  }
  return nullptr;
}

}  // namespace xacoord::bench
