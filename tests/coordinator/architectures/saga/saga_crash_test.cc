// Every crash point of the saga (docs/architectures/saga.md, "Crash points"): the real
// coordinator SIGKILLs itself at that step, a second one starts with the same node id, and
// its recovery (before ready) resumes or compensates the open saga; then the order ends as
// the table says, the money adds up, every log row is closed, and a retry with the same
// Idempotency-Key hears the outcome.
#include <gtest/gtest.h>

#include <csignal>

#include "tests/coordinator/architectures/saga/saga_fixture.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

enum class Flow {
  kPay,                    // a pay with nobody else on the order
  kPayCancelledMeanwhile,  // a pay whose order another coordinator cancels between its steps
  kCancelPaid,             // a cancel of a paid order
};

struct SagaCrashCase {
  const char* point;
  Flow flow;
  // What recovery found open in the logs at restart.
  int open_pays;
  int open_cancels;
  // After recovery, before the client's retry.
  const char* status;
  const char* payment;  // CAPTURED, REFUNDED or none
  // The retry with the same key.
  int retry_status;
};

void PrintTo(const SagaCrashCase& c, std::ostream* os) {
  *os << c.point;
}

class SagaCrashTest : public ::testing::TestWithParam<SagaCrashCase> {
 protected:
  static void SetUpTestSuite() {
    pair_ = DbPair::shared();
    if (!pair_) return;
    // The other coordinator that cancels orders while the crashing one stalls.
    other_ = start_saga(*pair_, unique_node_id("sgoth"));
  }
  static void TearDownTestSuite() {
    other_.reset();
    pair_.reset();
  }
  void SetUp() override {
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  }
  std::unique_ptr<CoordinatorProcess> start(const std::string& crash_at,
                                            const std::string& stall_at = "") {
    CoordinatorOptions options = saga_options(*pair_, node_);
    options.log_dir = log_dir_;
    options.crash_at = crash_at;
    options.stall_at = stall_at;
    options.stall_ms = 2000;
    return CoordinatorProcess::start(options);
  }

  static std::unique_ptr<DbPair> pair_;
  static std::unique_ptr<CoordinatorProcess> other_;
  std::string node_ = unique_node_id("sgcp");
  std::string log_dir_ = scratch_dir("sagacrash") + "/log";
};
std::unique_ptr<DbPair> SagaCrashTest::pair_;
std::unique_ptr<CoordinatorProcess> SagaCrashTest::other_;

TEST_P(SagaCrashTest, RecoveryResumesOrCompensatesBeforeReady) {
  const SagaCrashCase& c = GetParam();
  const std::string prefix = unique_name(std::string("sgcp_") + c.point);
  constexpr std::int64_t kFunds = 10'000, kAmount = 1'299;
  const std::string key = unique_name("key");

  auto first = start(c.point, c.flow == Flow::kPayCancelledMeanwhile ? "saga_after_step1" : "");
  ASSERT_TRUE(first->wait_ready()) << first->log_text();
  auto client = first->client();
  auto account = open_account(client, prefix, kFunds);
  auto order = create_order(client, account, kAmount);

  // The process dies inside this request: the connection drops without an answer.
  int answered = 0;
  switch (c.flow) {
    case Flow::kPay:
      try {
        answered = pay(client, order, key).status;
      } catch (const std::exception&) {
      }
      break;
    case Flow::kPayCancelledMeanwhile: {
      AsyncReply paying = pay_async(*first, order, key);
      ASSERT_TRUE(first->wait_for_log("\"stall_point\"")) << first->log_text();
      auto other = other_->client();
      auto cancelled = cancel(other, order);
      ASSERT_EQ(cancelled.status, 200) << cancelled.body;
      answered = paying.get().status;
      break;
    }
    case Flow::kCancelPaid: {
      auto paid = pay(client, order);
      ASSERT_EQ(paid.status, 200) << paid.body;
      // Its log row is closed a moment after the answer; recovery would resume it otherwise.
      const std::string pay_saga = paid.json()["txn_id"];
      ASSERT_TRUE(
          eventually([&] { return saga_log_state(*pair_, "payments", pay_saga) == "PAID"; }));
      try {
        answered = cancel(client, order, key).status;
      } catch (const std::exception&) {
      }
      break;
    }
  }
  auto exit = first->wait_exit(std::chrono::seconds(30));
  ASSERT_TRUE(exit.has_value()) << "the coordinator did not die at " << c.point;
  EXPECT_TRUE(exit->signaled && exit->code == SIGKILL) << first->log_text();
  ASSERT_NE(first->log_text().find("\"crash_point\",\"point\":\"" + std::string(c.point)),
            std::string::npos)
      << first->log_text();
  ASSERT_EQ(answered, 0) << "the request was answered before the crash";

  // The same node id: its recovery runs before ready.
  auto second = start("");
  ASSERT_TRUE(second->wait_ready()) << second->log_text();
  const std::string log = second->log_text();
  EXPECT_TRUE(has_event(log, "saga_recovery_started",
                        "\"open_cancels\":" + std::to_string(c.open_cancels) +
                            ",\"open_pays\":" + std::to_string(c.open_pays)))
      << log;
  EXPECT_TRUE(has_event(log, "saga_recovery_finished", "\"left_to_background\":0")) << log;
  auto after = second->client();
  EXPECT_EQ(order_status_in_db(*pair_, order), c.status);
  const std::string payment = payment_in_db(*pair_, order);
  EXPECT_EQ(payment.substr(0, payment.find(' ')), c.payment) << payment;
  const bool charged = std::string(c.payment) == "CAPTURED";
  EXPECT_EQ(balance_in_db(*pair_, account), charged ? kFunds - kAmount : kFunds);
  // Every log row of the order closed: the ones recovery finished are closed after it.
  EXPECT_TRUE(eventually([&] {
    for (const char* server : {"orders", "payments"}) {
      for (const auto& row : saga_log_of_order(*pair_, server, order)) {
        if (row != "pay:PAID" && row != "pay:COMPENSATED" && row != "cancel:REFUNDED") return false;
      }
    }
    return true;
  }));
  EXPECT_TRUE(eventually([&] { return after.get("/v1/status").json().value("settled", false); }));
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");

  // The client never heard; it retries with the same key.
  auto retry = c.flow == Flow::kCancelPaid ? cancel(after, order, key) : pay(after, order, key);
  EXPECT_EQ(retry.status, c.retry_status) << retry.body;
  if (c.flow == Flow::kCancelPaid) {
    EXPECT_EQ(retry.json().value("refunded", false), true);
  }
  if (c.flow == Flow::kPay) {
    EXPECT_EQ(order_status(after, order), "PAID");
    EXPECT_EQ(balance(after, account), kFunds - kAmount) << "charged exactly once";
    EXPECT_EQ(payment_in_db(*pair_, order).substr(0, 9 + retry.json().value("txn_id", "").size()),
              "CAPTURED " + retry.json().value("txn_id", ""))
        << "the answer names the saga that holds the payment";
  } else {
    EXPECT_EQ(order_status(after, order), "CANCELLED");
    EXPECT_EQ(balance(after, account), kFunds) << "refunded exactly once";
  }
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
}

INSTANTIATE_TEST_SUITE_P(
    Saga, SagaCrashTest,
    ::testing::Values(SagaCrashCase{"saga_before_step1", Flow::kPay, 0, 0, "PENDING", "none", 200},
                      SagaCrashCase{"saga_after_step1", Flow::kPay, 1, 0, "PAID", "CAPTURED", 200},
                      SagaCrashCase{"saga_before_step2", Flow::kPay, 1, 0, "PAID", "CAPTURED", 200},
                      SagaCrashCase{"saga_after_step2", Flow::kPay, 1, 0, "PAID", "CAPTURED", 200},
                      SagaCrashCase{"saga_before_compensation", Flow::kPayCancelledMeanwhile, 1, 0,
                                    "CANCELLED", "REFUNDED", 409},
                      SagaCrashCase{"saga_after_compensation", Flow::kPayCancelledMeanwhile, 0, 0,
                                    "CANCELLED", "REFUNDED", 409},
                      SagaCrashCase{"saga_after_cancel_step1", Flow::kCancelPaid, 0, 1, "CANCELLED",
                                    "REFUNDED", 200},
                      SagaCrashCase{"saga_after_refund", Flow::kCancelPaid, 0, 1, "CANCELLED",
                                    "REFUNDED", 200}),
    [](const ::testing::TestParamInfo<SagaCrashCase>& info) {
      return std::string(info.param.point);
    });

}  // namespace
}  // namespace xacoord::test
