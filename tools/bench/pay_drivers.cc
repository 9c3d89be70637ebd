#include "tools/bench/pay_drivers.h"

#include <functional>

#include "participants/orders_sql.h"
#include "participants/payments_sql.h"
#include "participants/rows.h"
#include "participants/xa_sql.h"
#include "protocol/txn_id.h"
#include "tools/bench/branch_thread.h"

namespace xacoord::bench {

const char* name_of(Mode mode) {
  switch (mode) {
    case Mode::kXacoord:
      return "xacoord";
    case Mode::kXaFloor:
      return "xa-floor";
    case Mode::kXaFloorBatched:
      return "xa-floor-batched";
    case Mode::kNonAtomic:
      return "non-atomic";
    case Mode::kXaFloorLocked:
      return "xa-floor-locked";
    case Mode::kXaFloorMerged:
      return "xa-floor-merged";
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

// A plain client: two connections, the payments branch on a thread of its own so the two
// branches run in parallel. The orders connection lives on the client's thread, the
// payments connection on the branch thread (Connector/C++ keeps per-thread state).
class PlainClient : public PayDriver {
 protected:
  explicit PlainClient(const DriverSetup& s)
      : orders_(db::Connection::open(db::Endpoint::parse(s.orders_url), bench_timeouts())),
        tag_(s.thread_tag) {
    payments_thread_.start([this, url = s.payments_url] {
      payments_ = db::Connection::open(db::Endpoint::parse(url), bench_timeouts());
    });
    payments_thread_.wait();
  }
  ~PlainClient() override {
    payments_thread_.start([this] { payments_.reset(); });
    payments_thread_.wait();
  }

  // Runs `orders_work` here and `payments_work` on the branch thread at the same time;
  // rethrows the first failure once both have ended.
  void both(const std::function<void(db::Connection&)>& orders_work,
            const std::function<void(db::Connection&)>& payments_work) {
    payments_thread_.start([&] { payments_work(*payments_); });
    std::exception_ptr error;
    try {
      orders_work(*orders_);
    } catch (...) {
      error = std::current_exception();
    }
    payments_thread_.wait();  // throws the payments branch's failure
    if (error) std::rethrow_exception(error);
  }

  std::string txn_id(std::uint64_t seq) const { return tag_ + "-" + std::to_string(seq); }

  // Phase two of both branches, in parallel.
  void commit_both(const Xid& xo, const Xid& xp) {
    both([&](db::Connection& c) { c.xa_commit(xo); }, [&](db::Connection& c) { c.xa_commit(xp); });
  }
  void rollback_both(const Xid& xo, const Xid& xp) {
    both([&](db::Connection& c) { c.xa_rollback(xo); },
         [&](db::Connection& c) { c.xa_rollback(xp); });
  }

  std::unique_ptr<db::Connection> orders_;
  std::unique_ptr<db::Connection> payments_;  // branch thread only
  std::string tag_;
  BranchThread payments_thread_;
};

class XaFloorDriver final : public PlainClient {
 public:
  XaFloorDriver(const DriverSetup& s, bool batched) : PlainClient(s), batched_(batched) {}

  bool pay(const PayTarget& t, std::uint64_t seq) override {
    TxnId id{"bench", 1, seq};
    const Xid xo = branch_xid(id, "orders" + tag_), xp = branch_xid(id, "payments" + tag_);
    const std::string mark = db::orders::mark_paid_sql(t.order_id, txn_id(seq));
    auto capture = db::payments::capture_sql(t.order_id, t.account_id, t.amount_cents, txn_id(seq));
    bool paid = false;
    both(
        [&](db::Connection& c) {
          paid = batched_ ? orders_batched(c, xo, mark) : orders_plain(c, xo, mark);
        },
        [&](db::Connection& c) { payments_branch(c, xp, capture); });
    if (!paid) {  // the order was not PENDING: both branches are prepared, roll them back
      rollback_both(xo, xp);
      return false;
    }
    commit_both(xo, xp);
    return true;
  }

 private:
  static bool orders_plain(db::Connection& c, const Xid& xo, const std::string& mark) {
    c.xa_start(xo);
    bool paid = c.execute(mark) == 1;
    c.xa_end(xo);
    c.xa_prepare(xo);
    return paid;
  }
  static bool orders_batched(db::Connection& c, const Xid& xo, const std::string& mark) {
    std::vector<std::string> sql{db::xa::start(xo), mark, "SELECT ROW_COUNT()", db::xa::end(xo),
                                 db::xa::prepare(xo)};
    auto results = c.batch(sql);
    return db::single_int(*results.at(2)) == 1;
  }
  void payments_branch(db::Connection& c, const Xid& xp, const std::vector<std::string>& capture) {
    if (batched_) {
      std::vector<std::string> sql{db::xa::start(xp)};
      sql.insert(sql.end(), capture.begin(), capture.end());
      sql.push_back(db::xa::end(xp));
      sql.push_back(db::xa::prepare(xp));
      c.batch(sql);
      return;
    }
    c.xa_start(xp);
    for (const auto& s : capture)
      c.execute(s);
    c.xa_end(xp);
    c.xa_prepare(xp);
  }
  const bool batched_;
};

// The lock order kept two ways, each branch one multi-statement round trip as the
// coordinator sends them. Locked (what the coordinator does today): the orders branch locks
// the row, then the orders work + prepare and the payments branch go in parallel. Merged:
// the orders branch locks, works and prepares in one round trip, then the payments branch
// runs. Both: three round trips on the critical path, then the commits in parallel; merged
// saves one round trip of the orders connection and prepares the two branches one after the
// other instead of at the same time.
class LockOrderFloorDriver final : public PlainClient {
 public:
  LockOrderFloorDriver(const DriverSetup& s, bool merged) : PlainClient(s), merged_(merged) {}

  bool pay(const PayTarget& t, std::uint64_t seq) override {
    TxnId id{"bench", 1, seq};
    const Xid xo = branch_xid(id, "orders" + tag_), xp = branch_xid(id, "payments" + tag_);
    std::vector<std::string> orders_work{db::orders::mark_paid_sql(t.order_id, txn_id(seq)),
                                         "SELECT ROW_COUNT()", db::xa::end(xo),
                                         db::xa::prepare(xo)};
    std::vector<std::string> payments{db::xa::start(xp)};
    for (auto& s : db::payments::capture_sql(t.order_id, t.account_id, t.amount_cents, txn_id(seq)))
      payments.push_back(std::move(s));
    payments.push_back(db::xa::end(xp));
    payments.push_back(db::xa::prepare(xp));
    std::vector<std::string> lock{db::xa::start(xo), db::orders::lock_order_sql(t.order_id)};
    bool paid = false;
    if (merged_) {
      lock.insert(lock.end(), orders_work.begin(), orders_work.end());
      paid = db::single_int(*orders_->batch(lock).at(lock.size() - 3)) == 1;
      if (!paid) {
        orders_->xa_rollback(xo);
        return false;
      }
      both([](db::Connection&) {}, [&](db::Connection& c) { c.batch(payments); });
    } else {
      orders_->batch(lock);
      both([&](db::Connection& c) { paid = db::single_int(*c.batch(orders_work).at(1)) == 1; },
           [&](db::Connection& c) { c.batch(payments); });
      if (!paid) {
        rollback_both(xo, xp);
        return false;
      }
    }
    commit_both(xo, xp);
    return true;
  }

 private:
  const bool merged_;
};

class NonAtomicDriver final : public PlainClient {
 public:
  explicit NonAtomicDriver(const DriverSetup& s) : PlainClient(s) {}
  bool pay(const PayTarget& t, std::uint64_t seq) override {
    const std::string mark = db::orders::mark_paid_sql(t.order_id, txn_id(seq));
    auto capture = db::payments::capture_sql(t.order_id, t.account_id, t.amount_cents, txn_id(seq));
    bool paid = false;
    // Each side commits on its own: nothing ties the two together.
    both([&](db::Connection& c) { paid = c.execute(mark) == 1; },
         [&](db::Connection& c) {
           c.execute("START TRANSACTION");
           for (const auto& s : capture)
             c.execute(s);
           c.execute("COMMIT");
         });
    return paid;
  }
};

}  // namespace

std::unique_ptr<PayDriver> make_driver(Mode mode, const DriverSetup& setup) {
  switch (mode) {
    case Mode::kXacoord:
      return std::make_unique<XacoordDriver>(setup);
    case Mode::kXaFloor:
      return std::make_unique<XaFloorDriver>(setup, false);
    case Mode::kXaFloorBatched:
      return std::make_unique<XaFloorDriver>(setup, true);
    case Mode::kNonAtomic:
      return std::make_unique<NonAtomicDriver>(setup);
    case Mode::kXaFloorLocked:
      return std::make_unique<LockOrderFloorDriver>(setup, false);
    case Mode::kXaFloorMerged:
      return std::make_unique<LockOrderFloorDriver>(setup, true);
  }
  return nullptr;
}

}  // namespace xacoord::bench
