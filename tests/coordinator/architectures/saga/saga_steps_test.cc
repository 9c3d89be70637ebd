// The saga's rules, each provoked on purpose against the real MariaDB pair, straight on the
// steps (coordinator/architectures/saga/saga_steps.h), no coordinator process:
//  - a step run twice is applied once (charge, mark paid, compensate, refund);
//  - a charge whose answer was lost is settled by a tombstone racing for its log row: the
//    charge still running in the server commits (settled as charged) or dies (settled as
//    never charged); and a charge that arrives after its tombstone does nothing.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <thread>

#include "coordinator/architectures/saga/saga_steps.h"
#include "coordinator/engine/two_phase_commit.h"
#include "participants/db_error.h"
#include "participants/lane_session.h"
#include "participants/payments_sql.h"
#include "tests/coordinator/architectures/saga/saga_fixture.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

namespace asio = boost::asio;
using saga::Kind;
using saga::Phase;
using saga::SagaSteps;
using State = saga::log_sql::State;

class SagaStepsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = DbPair::shared();
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
    db::Timeouts timeouts;
    // A charge's answer is lost after 1 s; the server lets it wait for a lock for 10.
    timeouts.read = std::chrono::seconds(1);
    timeouts.lock_wait_seconds = 10;
    orders_factory_ = std::make_unique<db::LaneSessionFactory>(
        "orders", db::Endpoint::parse(pair_->orders_url()), timeouts);
    payments_factory_ = std::make_unique<db::LaneSessionFactory>(
        "payments", db::Endpoint::parse(pair_->payments_url()), timeouts);
    orders_ = std::make_unique<db::Pool>(io_.get_executor(), *orders_factory_, 4);
    payments_ = std::make_unique<db::Pool>(io_.get_executor(), *payments_factory_, 4);
    steps_ = std::make_unique<SagaSteps>(*orders_, *payments_, idempotency_, Clock::system(),
                                         SagaSteps::Options{node_, std::chrono::seconds(10)});
  }
  void TearDown() override {
    steps_.reset();
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

  // A funded account with a PENDING order, and the pay saga that will pay it.
  saga::Saga new_pay(std::int64_t funds = 5'000, std::int64_t amount = 1'200) {
    saga::Saga s;
    s.id = unique_name("sg").substr(0, 40);
    s.kind = Kind::kPay;
    s.account_id = unique_name("sgsteps");
    s.amount_cents = amount;
    db::payments::create_account(*pair_->connect("payments"), s.account_id, funds);
    s.order_id = db::orders::create_order(*pair_->connect("orders"), s.account_id, amount);
    return s;
  }
  std::int64_t balance(const saga::Saga& s) { return balance_in_db(*pair_, s.account_id); }
  std::optional<std::string> log_state(const std::string& server, const saga::Saga& s) {
    return saga_log_state(*pair_, server, s.id);
  }

  asio::io_context io_;
  std::unique_ptr<DbPair> pair_;
  std::string node_ = unique_node_id("sgst");
  metrics::Registry registry_;
  CoordinatorMetrics metrics_{registry_};
  Idempotency idempotency_{metrics_, std::chrono::seconds(3600)};
  std::unique_ptr<db::LaneSessionFactory> orders_factory_;
  std::unique_ptr<db::LaneSessionFactory> payments_factory_;
  std::unique_ptr<db::Pool> orders_;
  std::unique_ptr<db::Pool> payments_;
  std::unique_ptr<SagaSteps> steps_;
};

TEST_F(SagaStepsTest, AChargeRunTwiceChargesOnce) {
  saga::Saga s = new_pay();
  run(steps_->charge(s));
  EXPECT_EQ(balance(s), 5'000 - 1'200);
  EXPECT_EQ(log_state("payments", s), "CHARGED");
  try {
    run(steps_->charge(s));
    ADD_FAILURE() << "a second charge went through";
  } catch (const db::DbError& e) {
    EXPECT_EQ(e.kind(), db::ErrorKind::kDuplicate) << e.what();
    EXPECT_TRUE(saga::certainly_not_committed(std::current_exception()));
  }
  EXPECT_EQ(balance(s), 5'000 - 1'200);
  // Its answer was lost? The tombstone finds the row: charged.
  EXPECT_EQ(run(steps_->settle_charge(s)), State::kCharged);
  EXPECT_EQ(balance(s), 5'000 - 1'200);
}

TEST_F(SagaStepsTest, AChargeAfterItsTombstoneDoesNothing) {
  saga::Saga s = new_pay();
  EXPECT_EQ(run(steps_->settle_charge(s)), State::kAborted);
  EXPECT_EQ(log_state("payments", s), "ABORTED");
  EXPECT_THROW(run(steps_->charge(s)), db::DbError);
  EXPECT_EQ(balance(s), 5'000);
  EXPECT_EQ(payment_in_db(*pair_, s.order_id), "none");
  EXPECT_EQ(run(steps_->settle_charge(s)), State::kAborted) << "settling again says the same";
}

// The charge's answer is lost while it waits for the account row (a test session holds
// it); the server still has it. The tombstone waits on its log row until the charge ends:
// whether the server then commits the charge (its client is gone) is the server's choice,
// and the settlement must agree with what the databases hold either way.
TEST_F(SagaStepsTest, ALostChargeIsSettledAsWhatTheServerDidWithIt) {
  saga::Saga s = new_pay();
  auto lock = std::make_unique<RowLock>(
      *pair_, "payments",
      "SELECT balance_cents FROM accounts WHERE account_id = '" + s.account_id + "' FOR UPDATE");
  try {
    run(steps_->charge(s));
    ADD_FAILURE() << "the charge answered while its account row was locked";
  } catch (const db::DbError& e) {
    EXPECT_FALSE(saga::certainly_not_committed(std::current_exception())) << e.what();
  }
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    lock->release();
  });
  State settled = run(steps_->settle_charge(s));
  release.join();
  std::printf("a lost charge released after its client left was settled as %s\n",
              std::string(saga::log_sql::name_of(settled)).c_str());
  ASSERT_TRUE(settled == State::kCharged || settled == State::kAborted);
  if (settled == State::kCharged) {
    EXPECT_EQ(balance(s), 5'000 - 1'200);
    EXPECT_EQ(payment_in_db(*pair_, s.order_id), "CAPTURED " + s.id + " -");
  } else {
    EXPECT_EQ(balance(s), 5'000);
    EXPECT_EQ(payment_in_db(*pair_, s.order_id), "none");
  }
  EXPECT_EQ(log_state("payments", s), std::string(saga::log_sql::name_of(settled)));
}

// The same lost charge, but its session is killed before the row comes free: it never
// commits, the tombstone goes in, and nothing was charged.
TEST_F(SagaStepsTest, ALostChargeThatDiesIsSettledAsNeverCharged) {
  saga::Saga s = new_pay();
  RowLock lock(
      *pair_, "payments",
      "SELECT balance_cents FROM accounts WHERE account_id = '" + s.account_id + "' FOR UPDATE");
  EXPECT_THROW(run(steps_->charge(s)), db::DbError);
  auto admin = pair_->connect("payments");
  auto sessions = admin->query("SELECT id FROM information_schema.processlist WHERE INSTR(info, '" +
                               session_marker(node_) + "') = 1");
  ASSERT_EQ(sessions.size(), 1u) << "the charge still runs in the server";
  admin->execute("KILL CONNECTION " + db::as_string(sessions[0], 0));
  EXPECT_EQ(run(steps_->settle_charge(s)), State::kAborted);
  lock.release();
  EXPECT_EQ(balance(s), 5'000);
  EXPECT_EQ(payment_in_db(*pair_, s.order_id), "none");
  EXPECT_EQ(log_state("payments", s), "ABORTED");
}

TEST_F(SagaStepsTest, MarkPaidTwiceMarksOnceAndStoresTheAnswer) {
  saga::Saga s = new_pay();
  s.key = IdempotencyKey{unique_name("key"), "0123456789abcdef"};
  run(steps_->charge(s));
  EXPECT_EQ(run(steps_->mark_paid(s)).outcome, SagaSteps::Step2::kApplied);
  EXPECT_EQ(run(steps_->mark_paid(s)).outcome, SagaSteps::Step2::kAlreadyApplied);
  EXPECT_EQ(order_status_in_db(*pair_, s.order_id), "PAID");
  auto stored = pair_->connect("orders")->query(
      "SELECT http_status, response FROM idempotency_keys WHERE idem_key = '" + s.key->key + "'");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(db::as_int(stored[0], 0), 200);
  EXPECT_EQ(db::as_string(stored[0], 1), saga::paid_answer(s).body);
}

TEST_F(SagaStepsTest, ARefusedStepTwoIsCompensatedOnce) {
  saga::Saga s = new_pay();
  run(steps_->charge(s));
  pair_->connect("orders")->execute(
      "UPDATE orders SET status = 'CANCELLED', cancel_txn_id = 'someone' WHERE order_id = " +
      std::to_string(s.order_id));
  auto refused = run(steps_->mark_paid(s));
  EXPECT_EQ(refused.outcome, SagaSteps::Step2::kRefused);
  EXPECT_EQ(refused.status, "CANCELLED");
  EXPECT_TRUE(run(steps_->compensate(s)));
  EXPECT_FALSE(run(steps_->compensate(s))) << "the second compensation finds it done";
  EXPECT_EQ(balance(s), 5'000) << "refunded once";
  EXPECT_EQ(log_state("payments", s), "COMPENSATED");
  EXPECT_EQ(payment_in_db(*pair_, s.order_id), "REFUNDED " + s.id + " " + s.id);
}

TEST_F(SagaStepsTest, TheRefundOfACancelledPaidOrderIsAppliedOnce) {
  saga::Saga p = new_pay();
  run(steps_->charge(p));
  ASSERT_EQ(run(steps_->mark_paid(p)).outcome, SagaSteps::Step2::kApplied);
  saga::Saga c;
  c.id = unique_name("sgc").substr(0, 40);
  c.kind = Kind::kCancel;
  c.order_id = p.order_id;
  auto outcome = run(steps_->cancel_order(c, std::nullopt));
  EXPECT_EQ(outcome.what, SagaSteps::Cancelled::kWasPaid);
  EXPECT_EQ(c.phase, Phase::kRefundDue);
  EXPECT_EQ(c.account_id, p.account_id);
  EXPECT_EQ(log_state("orders", c), "REFUND_DUE");
  EXPECT_TRUE(run(steps_->settle_cancel(c)));
  EXPECT_TRUE(run(steps_->refund(c)));
  EXPECT_FALSE(run(steps_->refund(c)));
  EXPECT_EQ(balance(p), 5'000) << "refunded once";
  EXPECT_EQ(payment_in_db(*pair_, p.order_id), "REFUNDED " + p.id + " " + c.id);
  // A cancel that never committed is told apart from one that did.
  saga::Saga never = c;
  never.id = unique_name("sgn").substr(0, 40);
  EXPECT_FALSE(run(steps_->settle_cancel(never)));
}

}  // namespace
}  // namespace xacoord::test
