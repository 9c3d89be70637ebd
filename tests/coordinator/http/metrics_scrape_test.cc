// /metrics after a known set of transactions: well-formed Prometheus text, and counts
// that match what was done. Every family it shows is documented in docs/api.md.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/coordinator/http/http_fixture.h"
#include "tools/report/prometheus_text.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

using report::parse_prometheus_text;
using report::Scrape;

Scrape scrape(HttpClient& c) {
  auto reply = c.get("/metrics");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  auto parsed = parse_prometheus_text(reply.body);
  EXPECT_EQ(parsed.error, "") << "malformed line in /metrics";
  return parsed;
}

double value(const Scrape& s, const std::string& series) {
  auto v = s.value(series);
  EXPECT_TRUE(v.has_value()) << series << " is missing";
  return v.value_or(-1);
}

std::string pay_series(const char* outcome) {
  return std::string("xacoord_transactions_total{kind=\"pay\",outcome=\"") + outcome + "\"}";
}
std::string cancel_series(const char* outcome) {
  return std::string("xacoord_transactions_total{kind=\"cancel\",outcome=\"") + outcome + "\"}";
}
std::string phase_count(const char* phase) {
  return std::string("xacoord_phase_duration_seconds_count{phase=\"") + phase + "\"}";
}

TEST(MetricsScrapeTest, CountsMatchTheTransactionsDone) {
  auto pair = DbPair::shared();
  if (!pair) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  auto coordinator = start_coordinator(*pair);
  auto c = coordinator->client();

  // Before any transaction every known series is there, at zero.
  auto before = scrape(c);
  for (const char* outcome : {"committed", "aborted"}) {
    EXPECT_EQ(value(before, pay_series(outcome)), 0);
    EXPECT_EQ(value(before, cancel_series(outcome)), 0);
  }
  EXPECT_EQ(value(before, phase_count("decision")), 0);
  EXPECT_EQ(value(before,
                  "xacoord_recovery_actions_total{participant=\"payments\",action="
                  "\"commit\",reason=\"retry\"}"),
            0);

  auto account = open_account(c, "metrics", 10'000);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(pay(c, create_order(c, account, 100)).status, 200);  // 3 pays committed (2PC)
  auto poor = open_account(c, "metricspoor", 10);
  ASSERT_EQ(pay(c, create_order(c, poor, 11)).status, 422);  // 1 pay aborted in prepare
  auto refund = create_order(c, account, 200);
  const std::string key = unique_name("metrics");
  ASSERT_EQ(pay(c, refund, key).status, 200);  // a 4th pay committed
  ASSERT_EQ(pay(c, refund, key).status, 200);  // its replay: a read-only pay, rolled back
  ASSERT_EQ(cancel(c, refund).status, 200);    // 1 cancel with refund (2PC)
  ASSERT_EQ(cancel(c, create_order(c, account, 300)).status, 200);  // 1 cancel, one phase

  auto after = scrape(c);
  EXPECT_EQ(value(after, pay_series("committed")), 4);
  EXPECT_EQ(value(after, pay_series("aborted")), 2);
  EXPECT_EQ(value(after, cancel_series("committed")), 2);
  EXPECT_EQ(value(after, cancel_series("aborted")), 0);
  EXPECT_EQ(value(after, "xacoord_transaction_duration_seconds_count{outcome=\"committed\"}"), 6);
  EXPECT_EQ(value(after, "xacoord_transaction_duration_seconds_count{outcome=\"aborted\"}"), 2);
  EXPECT_EQ(value(after,
                  "xacoord_transaction_duration_seconds_bucket{outcome=\"committed\",le=\"+Inf\"}"),
            6);
  EXPECT_GT(value(after, "xacoord_transaction_duration_seconds_sum{outcome=\"committed\"}"), 0);
  // Five two-branch commits logged their decision; the one-phase cancel did not.
  EXPECT_EQ(value(after, phase_count("decision")), 5);
  EXPECT_EQ(value(after, phase_count("commit")), 6);
  EXPECT_EQ(value(after, phase_count("prepare")), 6);  // the refused pay failed in prepare
  EXPECT_EQ(value(after, phase_count("rollback")), 2);
  EXPECT_EQ(value(after, "xacoord_idempotent_replays_total"), 1);
  // The decision log: every decision went through an fdatasync.
  EXPECT_GE(value(after, "xacoord_decision_log_batch_records_sum"), 5);
  EXPECT_GE(value(after, "xacoord_decision_log_fsync_seconds_count"), 1);
  EXPECT_GT(value(after, "xacoord_decision_log_bytes_total"), 0);
  // HTTP requests by route and status.
  EXPECT_EQ(value(after, "xacoord_http_requests_total{route=\"orders.pay\",status=\"200\"}"), 5);
  EXPECT_EQ(value(after, "xacoord_http_requests_total{route=\"orders.pay\",status=\"422\"}"), 1);
  EXPECT_EQ(value(after, "xacoord_http_requests_total{route=\"orders.cancel\",status=\"200\"}"), 2);
  // Nothing left in flight or in doubt; the pools are there.
  EXPECT_EQ(value(after, "xacoord_transactions_in_flight"), 0);
  for (const char* phase : {"before_prepare", "prepared_undecided", "decided_uncommitted"}) {
    EXPECT_EQ(value(after, std::string("xacoord_transactions_in_phase{phase=\"") + phase + "\"}"),
              0);
  }
  EXPECT_EQ(value(after, "xacoord_in_doubt_branches"), 0);
  EXPECT_EQ(value(after, "xacoord_ready"), 1);
  EXPECT_GT(value(after, "xacoord_pool_sessions_max{participant=\"orders\"}"), 0);
  EXPECT_EQ(value(after, "xacoord_pool_sessions_in_use{participant=\"payments\"}"), 0);
  EXPECT_EQ(value(after, "xacoord_database_up{participant=\"orders\"}"), 1);
  EXPECT_GE(value(after, "xacoord_http_connections"), 1);
}

TEST(MetricsScrapeTest, EveryFamilyIsDocumented) {
  auto pair = DbPair::shared();
  if (!pair) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  auto coordinator = start_coordinator(*pair);
  auto c = coordinator->client();
  auto account = open_account(c, "metricsdoc", 1'000);
  ASSERT_EQ(pay(c, create_order(c, account, 100)).status, 200);
  std::ifstream in(source_dir() + "/docs/api.md");
  std::stringstream doc;
  doc << in.rdbuf();
  ASSERT_FALSE(doc.str().empty());
  auto families = scrape(c).types;
  ASSERT_GT(families.size(), 15u);
  for (const auto& [family, type] : families) {
    EXPECT_NE(doc.str().find("`" + family + "`"), std::string::npos)
        << family << " (" << type << ") is not in docs/api.md";
  }
}

}  // namespace
}  // namespace xacoord::test
