// Every crash point of tcc (docs/architectures/tcc.md, "Crash points"): the real coordinator
// SIGKILLs itself at that step, a second one starts with the same node id, and its recovery
// (before ready) confirms or cancels the open global transaction; then the order ends as
// the table says, nothing stays frozen, the money adds up, every tcc_global row is closed,
// and a retry with the same Idempotency-Key hears the outcome.
#include <gtest/gtest.h>

#include <csignal>

#include "tests/coordinator/architectures/tcc/tcc_fixture.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

enum class Flow {
  kPay,         // a pay the account can afford
  kPoorPay,     // a pay it cannot: the payments Try is refused, the pay is cancelled
  kCancelPaid,  // a cancel of a paid order: its refund
};

struct TccCrashCase {
  const char* point;
  Flow flow;
  int open;             // tcc_global rows recovery found open at restart
  const char* status;   // the order after recovery, before the client's retry
  const char* payment;  // CAPTURED, REFUNDED or none
  int retry_status;     // the retry with the same key
};

void PrintTo(const TccCrashCase& c, std::ostream* os) {
  *os << c.point;
}

class TccCrashTest : public ::testing::TestWithParam<TccCrashCase> {
 protected:
  static void SetUpTestSuite() { pair_ = DbPair::shared(); }
  static void TearDownTestSuite() { pair_.reset(); }
  void SetUp() override {
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  }
  std::unique_ptr<CoordinatorProcess> start(const std::string& crash_at) {
    CoordinatorOptions options = tcc_options(*pair_, node_);
    options.log_dir = log_dir_;
    options.crash_at = crash_at;
    return CoordinatorProcess::start(options);
  }

  static std::unique_ptr<DbPair> pair_;
  std::string node_ = unique_node_id("tccp");
  std::string log_dir_ = scratch_dir("tcccrash") + "/log";
};
std::unique_ptr<DbPair> TccCrashTest::pair_;

TEST_P(TccCrashTest, RecoveryConfirmsOrCancelsBeforeReady) {
  const TccCrashCase& c = GetParam();
  const std::string prefix = unique_name("tccp");
  constexpr std::int64_t kFunds = 10'000;
  const std::int64_t amount = c.flow == Flow::kPoorPay ? kFunds + 1 : 1'299;
  const std::string key = unique_name("key");

  auto first = start(c.point);
  ASSERT_TRUE(first->wait_ready()) << first->log_text();
  auto client = first->client();
  auto account = open_account(client, prefix, kFunds);
  auto order = create_order(client, account, amount);

  // The process dies inside this request: the connection drops without an answer.
  int answered = 0;
  if (c.flow == Flow::kCancelPaid) {
    auto paid = pay(client, order);
    ASSERT_EQ(paid.status, 200) << paid.body;
  }
  try {
    answered =
        (c.flow == Flow::kCancelPaid ? cancel(client, order, key) : pay(client, order, key)).status;
  } catch (const std::exception&) {
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
  EXPECT_TRUE(has_event(log, "tcc_recovery_started", "\"open\":" + std::to_string(c.open))) << log;
  EXPECT_TRUE(has_event(log, "tcc_recovery_finished", "\"left_to_background\":0")) << log;
  auto after = second->client();
  EXPECT_EQ(order_status_in_db(*pair_, order), c.status);
  const std::string payment = tcc_payment_in_db(*pair_, order);
  EXPECT_EQ(payment.substr(0, payment.find(' ')), c.payment) << payment;
  const bool charged = std::string(c.payment) == "CAPTURED";
  EXPECT_EQ(tcc_balance_in_db(*pair_, account), charged ? kFunds - amount : kFunds);
  EXPECT_EQ(frozen_in_db(*pair_, account), 0) << "nothing stays frozen once settled";
  for (const auto& row : tcc_globals_of_order(*pair_, order)) {
    EXPECT_TRUE(row.ends_with(":CONFIRMED") || row.ends_with(":CANCELLED")) << row;
  }
  EXPECT_TRUE(eventually([&] { return after.get("/v1/status").json().value("settled", false); }));
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");

  // The client never heard; it retries with the same key.
  auto retry = c.flow == Flow::kCancelPaid ? cancel(after, order, key) : pay(after, order, key);
  EXPECT_EQ(retry.status, c.retry_status) << retry.body;
  if (c.flow == Flow::kCancelPaid) {
    EXPECT_EQ(retry.json().value("refunded", false), true);
    EXPECT_EQ(order_status(after, order), "CANCELLED");
    EXPECT_EQ(balance(after, account), kFunds) << "refunded exactly once";
  } else if (c.flow == Flow::kPay) {
    EXPECT_EQ(order_status(after, order), "PAID");
    EXPECT_EQ(balance(after, account), kFunds - amount) << "charged exactly once";
    EXPECT_EQ(tcc_payment_in_db(*pair_, order),
              "CAPTURED " + retry.json().value("txn_id", "") + " -")
        << "the answer names the transaction that holds the payment";
  } else {
    EXPECT_EQ(order_status(after, order), "PENDING");
    EXPECT_EQ(balance(after, account), kFunds);
  }
  EXPECT_EQ(frozen_in_db(*pair_, account), 0);
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
}

INSTANTIATE_TEST_SUITE_P(
    Tcc, TccCrashTest,
    ::testing::Values(
        TccCrashCase{"tcc_before_try", Flow::kPay, 0, "PENDING", "none", 200},
        TccCrashCase{"tcc_after_try_orders", Flow::kPay, 1, "PENDING", "none", 200},
        TccCrashCase{"tcc_after_try_payments", Flow::kPay, 1, "PENDING", "none", 200},
        TccCrashCase{"tcc_after_decision", Flow::kPay, 1, "PAID", "CAPTURED", 200},
        TccCrashCase{"tcc_after_confirm_payments", Flow::kPay, 1, "PAID", "CAPTURED", 200},
        TccCrashCase{"tcc_after_confirm_orders", Flow::kPay, 0, "PAID", "CAPTURED", 200},
        TccCrashCase{"tcc_after_cancel_payments", Flow::kPoorPay, 1, "PENDING", "none", 422},
        TccCrashCase{"tcc_after_cancel_orders", Flow::kPoorPay, 0, "PENDING", "none", 422},
        TccCrashCase{"tcc_after_refund_orders", Flow::kCancelPaid, 1, "CANCELLED", "REFUNDED", 200},
        TccCrashCase{"tcc_after_refund_payments", Flow::kCancelPaid, 1, "CANCELLED", "REFUNDED",
                     200}),
    [](const ::testing::TestParamInfo<TccCrashCase>& info) {
      return std::string(info.param.point);
    });

}  // namespace
}  // namespace xacoord::test
