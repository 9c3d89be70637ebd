// Every crash point of the outbox architecture (docs/architectures/outbox.md, "Crash
// points"): the real coordinator SIGKILLs itself at that step, a second one starts with
// the same node id, log and streams, and delivers what the first committed; then the order
// ends as the table says, every message was applied once, the invariants hold, and a retry
// with the same Idempotency-Key hears the first answer (or, where nothing committed, the
// request runs again).
#include <gtest/gtest.h>

#include "tests/coordinator/architectures/outbox/outbox_fixture.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

enum class Flow {
  kPay,            // a pay of a funded order
  kCancelPending,  // a cancel of a PENDING order
  kCancelPaid,     // a pay that ends PAID, then its cancel
};

struct OutboxCrashCase {
  const char* point;
  Flow flow;
  bool request_committed;  // the crash came after the request's own commit
  const char* final_state;
};

void PrintTo(const OutboxCrashCase& c, std::ostream* os) {
  *os << c.point;
}

class OutboxCrashTest : public ::testing::TestWithParam<OutboxCrashCase> {
 protected:
  static void SetUpTestSuite() {
    pair_ = DbPair::shared();
    if (!pair_) return;
    broker_ = start_test_broker("outbox-crash-broker");
  }
  static void TearDownTestSuite() {
    broker_.reset();
    pair_.reset();
  }
  void SetUp() override {
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  }
  std::unique_ptr<CoordinatorProcess> start(const std::string& crash_at) {
    CoordinatorOptions options = outbox_options(*pair_, *broker_, node_, streams_);
    options.log_dir = log_dir_;
    options.crash_at = crash_at;
    auto c = CoordinatorProcess::start(options);
    if (!c->wait_ready()) throw std::runtime_error("not ready: " + c->log_text());
    return c;
  }

  static std::unique_ptr<DbPair> pair_;
  static std::unique_ptr<harness::LocalBroker> broker_;
  std::string node_ = unique_node_id("obcr");
  std::string streams_ = unique_name("obcr");
  std::string log_dir_ = scratch_dir("outboxcrash") + "/log";
};
std::unique_ptr<DbPair> OutboxCrashTest::pair_;
std::unique_ptr<harness::LocalBroker> OutboxCrashTest::broker_;

// Sends the request; its answer, or status 0 when the coordinator died before answering.
HttpReply send(const CoordinatorProcess& c, bool is_pay, std::int64_t order,
               const std::string& key) {
  try {
    auto client = c.client(std::chrono::seconds(10));
    return is_pay ? pay(client, order, key) : cancel(client, order, key);
  } catch (const std::exception& e) {
    HttpReply none;
    none.status = 0;
    none.body = e.what();
    return none;
  }
}

TEST_P(OutboxCrashTest, RestartDeliversWhatWasCommitted) {
  const OutboxCrashCase& c = GetParam();
  const std::string prefix = unique_name("obc");  // account ids are at most 64 characters
  constexpr std::int64_t kFunds = 10'000, kAmount = 1'299;
  const std::string key = unique_name("key");

  auto first = start(c.point);
  auto http = first->client();
  auto account = open_account(http, prefix, kFunds);
  auto order = create_order(http, account, kAmount);
  const bool is_pay = c.flow == Flow::kPay;
  if (c.flow == Flow::kCancelPaid) {
    ASSERT_EQ(pay(http, order).status, 202);
    ASSERT_TRUE(eventually([&] { return final_state(*pair_, order) == "PAID CAPTURED"; }));
  }
  HttpReply answer = send(*first, is_pay, order, key);
  ASSERT_TRUE(first->wait_exit(std::chrono::seconds(15)).has_value())
      << c.point << " was never reached; answer " << answer.status << " " << answer.body;
  if (!c.request_committed) {
    EXPECT_EQ(answer.status, 0) << answer.body;
  }

  auto second = start("");
  ASSERT_TRUE(wait_settled(*second)) << second->log_text();
  // The retry with the same key: the stored answer where the request committed.
  HttpReply retry = send(*second, is_pay, order, key);
  ASSERT_EQ(retry.status, is_pay ? 202 : 200) << retry.body;
  if (answer.status != 0) {
    EXPECT_EQ(retry.body, answer.body);
  }
  ASSERT_TRUE(wait_settled(*second)) << second->log_text();

  EXPECT_EQ(final_state(*pair_, order), c.final_state);
  const std::string txn = retry.json().value("txn_id", "");
  if (is_pay) {
    EXPECT_EQ(inbox_count(*pair_, "payments", txn + ":charge"), 1);
    EXPECT_EQ(inbox_count(*pair_, "orders", txn + ":charged"), 1);
  }
  if (c.flow == Flow::kCancelPaid) {
    EXPECT_EQ(inbox_count(*pair_, "payments", txn + ":refund"), 1);
    EXPECT_EQ(balance_in_db(*pair_, account), kFunds);
  }
  EXPECT_EQ(invariant_violations(*pair_, prefix, node_), "");
}

INSTANTIATE_TEST_SUITE_P(
    EveryPoint, OutboxCrashTest,
    ::testing::Values(
        OutboxCrashCase{"outbox_before_pay_commit", Flow::kPay, false, "PAID CAPTURED"},
        OutboxCrashCase{"outbox_after_pay_commit", Flow::kPay, true, "PAID CAPTURED"},
        OutboxCrashCase{"outbox_relay_after_claim", Flow::kPay, true, "PAID CAPTURED"},
        OutboxCrashCase{"outbox_relay_after_publish", Flow::kPay, true, "PAID CAPTURED"},
        OutboxCrashCase{"outbox_before_charge_commit", Flow::kPay, true, "PAID CAPTURED"},
        OutboxCrashCase{"outbox_after_charge_commit", Flow::kPay, true, "PAID CAPTURED"},
        OutboxCrashCase{"outbox_before_settle_commit", Flow::kPay, true, "PAID CAPTURED"},
        OutboxCrashCase{"outbox_after_settle_commit", Flow::kPay, true, "PAID CAPTURED"},
        OutboxCrashCase{"outbox_after_cancel_commit", Flow::kCancelPending, true, "CANCELLED none"},
        OutboxCrashCase{"outbox_before_refund_commit", Flow::kCancelPaid, true,
                        "CANCELLED REFUNDED"},
        OutboxCrashCase{"outbox_after_refund_commit", Flow::kCancelPaid, true,
                        "CANCELLED REFUNDED"}),
    [](const auto& info) { return std::string(info.param.point); });

}  // namespace
}  // namespace xacoord::test
