// The barrier's rules, each provoked on purpose against the real MariaDB pair, straight on
// the branch steps (coordinator/architectures/tcc/tcc_branches.h), no coordinator process:
//  - a step run twice is applied once (Try, Confirm, Cancel on both databases);
//  - a Cancel whose Try never ran records itself and changes nothing (null compensation);
//  - a Try that arrives after its Cancel changes nothing (no hanging);
//  - a Cancel that meets a Try still running in the server waits for it on the barrier
//    row, and then undoes exactly what it did;
//  - the first decision recorded stays.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <thread>

#include "coordinator/architectures/tcc/tcc_branches.h"
#include "participants/db_error.h"
#include "participants/lane_session.h"
#include "participants/orders_sql.h"
#include "participants/payments_sql.h"
#include "tests/coordinator/architectures/tcc/tcc_fixture.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

namespace asio = boost::asio;
using tcc::TccBranches;
using tcc::sql::State;
using tcc::sql::Verdict;

class TccBarrierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = DbPair::shared();
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
    db::Timeouts timeouts;
    timeouts.lock_wait_seconds = 10;
    orders_factory_ = std::make_unique<db::LaneSessionFactory>(
        "orders", db::Endpoint::parse(pair_->orders_url()), timeouts);
    payments_factory_ = std::make_unique<db::LaneSessionFactory>(
        "payments", db::Endpoint::parse(pair_->payments_url()), timeouts);
    orders_ = std::make_unique<db::Pool>(io_.get_executor(), *orders_factory_, 4);
    payments_ = std::make_unique<db::Pool>(io_.get_executor(), *payments_factory_, 4);
    branches_ =
        std::make_unique<TccBranches>(*orders_, *payments_, idempotency_, Clock::system(),
                                      TccBranches::Options{node_, std::chrono::seconds(10)});
  }
  void TearDown() override {
    branches_.reset();
    payments_.reset();
    orders_.reset();
  }

  // Runs `body` on the test's io_context until it finishes; rethrows its failure.
  template <typename T>
  T run(asio::awaitable<T> body) {
    auto done = asio::co_spawn(io_, std::move(body), asio::use_future);
    io_.run();
    io_.restart();
    return done.get();
  }

  // A funded account with a PENDING order, and the pay that will pay it.
  tcc::Txn new_pay(std::int64_t funds = 5'000, std::int64_t amount = 1'200) {
    tcc::Txn t;
    t.gid = unique_name("tc").substr(0, 40);
    t.kind = tcc::Kind::kPay;
    t.account_id = unique_name("tccbar");
    t.amount_cents = amount;
    db::payments::create_account(*pair_->connect("payments"), t.account_id, funds);
    t.order_id = db::orders::create_order(*pair_->connect("orders"), t.account_id, amount);
    return t;
  }
  std::int64_t balance(const tcc::Txn& t) { return tcc_balance_in_db(*pair_, t.account_id); }
  std::int64_t frozen(const tcc::Txn& t) { return frozen_in_db(*pair_, t.account_id); }
  std::string order_status(const tcc::Txn& t) { return order_status_in_db(*pair_, t.order_id); }
  std::vector<std::string> barrier(const std::string& server, const tcc::Txn& t) {
    return barrier_rows(*pair_, server, t.gid);
  }

  asio::io_context io_;
  std::unique_ptr<DbPair> pair_;
  std::string node_ = unique_node_id("tcbr");
  metrics::Registry registry_;
  CoordinatorMetrics metrics_{registry_};
  Idempotency idempotency_{metrics_, std::chrono::seconds(3600)};
  std::unique_ptr<db::LaneSessionFactory> orders_factory_;
  std::unique_ptr<db::LaneSessionFactory> payments_factory_;
  std::unique_ptr<db::Pool> orders_;
  std::unique_ptr<db::Pool> payments_;
  std::unique_ptr<TccBranches> branches_;
};

TEST_F(TccBarrierTest, ATryRunTwiceFreezesOnce) {
  tcc::Txn t = new_pay();
  EXPECT_TRUE(run(branches_->try_orders(t)).tried);
  EXPECT_EQ(order_status(t), "PAYING");
  EXPECT_TRUE(run(branches_->try_payments(t)));
  EXPECT_TRUE(run(branches_->try_payments(t))) << "a repeat answers as the first did";
  EXPECT_EQ(balance(t), 5'000 - 1'200);
  EXPECT_EQ(frozen(t), 1'200) << "frozen once";
  EXPECT_EQ(barrier("payments", t), std::vector<std::string>{"payments.try:try"});
  EXPECT_EQ(tcc_globals_of_order(*pair_, t.order_id), std::vector<std::string>{"pay:TRYING"});
}

TEST_F(TccBarrierTest, ConfirmTwiceCapturesOnce) {
  tcc::Txn t = new_pay();
  t.key = IdempotencyKey{unique_name("key"), "0123456789abcdef"};
  ASSERT_TRUE(run(branches_->try_orders(t)).tried);
  ASSERT_TRUE(run(branches_->try_payments(t)));
  EXPECT_EQ(run(branches_->decide(t, State::kConfirming)), State::kConfirming);
  EXPECT_EQ(run(branches_->confirm_payments(t)), Verdict::kFirst);
  EXPECT_EQ(run(branches_->confirm_payments(t)), Verdict::kRepeat);
  EXPECT_EQ(run(branches_->confirm_orders(t)), Verdict::kFirst);
  EXPECT_EQ(run(branches_->confirm_orders(t)), Verdict::kRepeat);
  EXPECT_EQ(order_status(t), "PAID");
  EXPECT_EQ(tcc_payment_in_db(*pair_, t.order_id), "CAPTURED " + t.gid + " -");
  EXPECT_EQ(balance(t), 5'000 - 1'200);
  EXPECT_EQ(frozen(t), 0) << "the frozen funds became the payment";
  EXPECT_EQ(tcc_globals_of_order(*pair_, t.order_id), std::vector<std::string>{"pay:CONFIRMED"});
  auto stored = pair_->connect("orders")->query(
      "SELECT response FROM idempotency_keys WHERE idem_key = '" + t.key->key + "'");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(db::as_string(stored[0], 0), tcc::confirmed_answer(t).body);
}

TEST_F(TccBarrierTest, CancelTwiceReleasesOnce) {
  tcc::Txn t = new_pay();
  ASSERT_TRUE(run(branches_->try_orders(t)).tried);
  ASSERT_TRUE(run(branches_->try_payments(t)));
  EXPECT_EQ(run(branches_->decide(t, State::kCancelling)), State::kCancelling);
  EXPECT_EQ(run(branches_->cancel_payments(t)), Verdict::kFirst);
  EXPECT_EQ(run(branches_->cancel_payments(t)), Verdict::kRepeat);
  EXPECT_EQ(run(branches_->cancel_orders(t)), Verdict::kFirst);
  EXPECT_EQ(run(branches_->cancel_orders(t)), Verdict::kRepeat);
  EXPECT_EQ(balance(t), 5'000) << "given back once";
  EXPECT_EQ(frozen(t), 0);
  EXPECT_EQ(order_status(t), "PENDING");
  EXPECT_EQ(tcc_payment_in_db(*pair_, t.order_id), "none");
  EXPECT_EQ(tcc_globals_of_order(*pair_, t.order_id), std::vector<std::string>{"pay:CANCELLED"});
}

TEST_F(TccBarrierTest, ACancelWhoseTryNeverRanIsANullCompensationAndStopsTheLateTry) {
  tcc::Txn t = new_pay();
  ASSERT_TRUE(run(branches_->try_orders(t)).tried);
  // The payments Try is late (a slow network, a coordinator that stalled): the Cancel
  // reaches payments first.
  EXPECT_EQ(run(branches_->cancel_payments(t)), Verdict::kNullCompensation);
  EXPECT_EQ(barrier("payments", t),
            (std::vector<std::string>{"payments.cancel:cancel", "payments.try:cancel"}));
  EXPECT_EQ(balance(t), 5'000) << "nothing to give back, and nothing was given";
  EXPECT_FALSE(run(branches_->try_payments(t))) << "the late Try hangs: it must not freeze";
  EXPECT_EQ(balance(t), 5'000);
  EXPECT_EQ(frozen(t), 0);
  EXPECT_EQ(run(branches_->cancel_payments(t)), Verdict::kRepeat);
  EXPECT_EQ(run(branches_->cancel_orders(t)), Verdict::kFirst);
  EXPECT_EQ(order_status(t), "PENDING");
}

TEST_F(TccBarrierTest, AnOrdersTryAfterItsCancelChangesNothing) {
  tcc::Txn t = new_pay();
  EXPECT_EQ(run(branches_->cancel_orders(t)), Verdict::kNullCompensation);
  auto late = run(branches_->try_orders(t));
  EXPECT_FALSE(late.tried);
  EXPECT_EQ(order_status(t), "PENDING") << "a hanging Try must not move the order";
  EXPECT_TRUE(tcc_globals_of_order(*pair_, t.order_id).empty());
}

TEST_F(TccBarrierTest, ALostOrdersTryIsSettledByItsBarrierRow) {
  tcc::Txn never = new_pay();
  EXPECT_FALSE(run(branches_->settle_orders_try(never))) << "it never ran";
  EXPECT_FALSE(run(branches_->settle_orders_try(never))) << "settling again says the same";
  EXPECT_FALSE(run(branches_->try_orders(never)).tried) << "and now it never will";
  EXPECT_EQ(order_status(never), "PENDING");

  tcc::Txn ran = new_pay();
  ASSERT_TRUE(run(branches_->try_orders(ran)).tried);
  EXPECT_TRUE(run(branches_->settle_orders_try(ran)));
}

// The Try's debit waits for the account row (a test session holds it) while the Cancel is
// sent: the Cancel's barrier insert waits on the Try's uncommitted row, so the two
// serialize; when the row comes free the Try commits first and the Cancel then undoes it.
TEST_F(TccBarrierTest, ACancelThatMeetsARunningTryWaitsAndUndoesIt) {
  tcc::Txn t = new_pay();
  ASSERT_TRUE(run(branches_->try_orders(t)).tried);
  auto lock = std::make_unique<RowLock>(
      *pair_, "payments",
      "SELECT balance_cents FROM accounts WHERE account_id = '" + t.account_id + "' FOR UPDATE");
  std::optional<bool> tried;
  std::optional<Verdict> cancelled;
  asio::co_spawn(
      io_, [&]() -> asio::awaitable<void> { tried = co_await branches_->try_payments(t); },
      asio::detached);
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        // Sent once the Try holds its barrier row (its first round trip is quick).
        co_await sleep_for(std::chrono::milliseconds(200));
        cancelled = co_await branches_->cancel_payments(t);
      },
      asio::detached);
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    lock->release();
  });
  io_.run();
  io_.restart();
  release.join();
  ASSERT_TRUE(tried.has_value() && cancelled.has_value());
  EXPECT_TRUE(*tried);
  EXPECT_EQ(*cancelled, Verdict::kFirst) << "the Cancel saw the Try committed";
  EXPECT_EQ(balance(t), 5'000) << "frozen, then given back";
  EXPECT_EQ(frozen(t), 0);
}

// The cancel of a paid order whose COMMIT got no answer is settled by its barrier row: a
// committed one owes its refund, one that never reached the server never will.
TEST_F(TccBarrierTest, ALostCancelOfAPaidOrderIsSettledByItsBarrierRow) {
  tcc::Txn t = new_pay();
  ASSERT_TRUE(run(branches_->try_orders(t)).tried);
  ASSERT_TRUE(run(branches_->try_payments(t)));
  ASSERT_EQ(run(branches_->decide(t, State::kConfirming)), State::kConfirming);
  run(branches_->confirm_payments(t));
  run(branches_->confirm_orders(t));
  tcc::Txn refund;
  refund.gid = unique_name("tr").substr(0, 40);
  refund.kind = tcc::Kind::kRefund;
  refund.order_id = t.order_id;
  auto outcome = run(branches_->cancel_order(refund, std::nullopt));
  EXPECT_EQ(outcome.what, TccBranches::Cancelled::kWasPaid);
  EXPECT_EQ(refund.phase, tcc::Phase::kRefunding);
  EXPECT_TRUE(run(branches_->settle_cancel(refund)));
  EXPECT_EQ(run(branches_->refund_payments(refund)), Verdict::kFirst);
  EXPECT_EQ(run(branches_->refund_payments(refund)), Verdict::kRepeat);
  EXPECT_EQ(balance(t), 5'000) << "refunded once";
  tcc::Txn never = refund;
  never.gid = unique_name("tn").substr(0, 40);
  EXPECT_FALSE(run(branches_->settle_cancel(never)));
}

TEST_F(TccBarrierTest, TheFirstDecisionStays) {
  tcc::Txn t = new_pay();
  ASSERT_TRUE(run(branches_->try_orders(t)).tried);
  ASSERT_TRUE(run(branches_->try_payments(t)));
  // A cancel of the order ends the pay first; the pay's own Confirm decision comes late.
  EXPECT_EQ(run(branches_->decide(t, State::kCancelling)), State::kCancelling);
  EXPECT_EQ(run(branches_->decide(t, State::kConfirming)), State::kCancelling);
}

}  // namespace
}  // namespace xacoord::test
