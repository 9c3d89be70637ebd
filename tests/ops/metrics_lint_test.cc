// `promtool check metrics` on a real scrape of a coordinator on the suite's MariaDB pair,
// after pays that succeed and one that is refused (so the series created on first use
// are in it too), and the rules' metric names checked against the same scrape.
#include <fstream>

#include <gtest/gtest.h>

#include "tests/coordinator/recovery/recovery_fixture.h"
#include "tests/ops/child_process.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

ProgramResult promtool_check_metrics(const std::string& text) {
  return run_program({find_program("promtool", "prometheus"), "check", "metrics"}, text);
}

TEST(MetricsLint, ARealScrapePassesPromtoolCheckMetrics) {
  auto pair = DbPair::shared();
  if (!pair) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  CoordinatorOptions options = CoordinatorOptions::for_pair(*pair);
  options.node_id = unique_node_id("lint");
  // With the scheduled reconciliation on, so its series are in the scrape too (its last-run
  // time only after a first run); over this test's accounts only.
  const std::string prefix = unique_name("lint");
  auto coordinator =
      start_ready(options, {"--reconcile-every", "200ms", "--reconcile-account-prefix", prefix});
  auto client = coordinator->client();
  auto account = open_account(client, prefix, 10'000);
  auto order_id = create_order(client, account, 1'000);
  ASSERT_EQ(pay(client, order_id).status, 200);
  ASSERT_EQ(cancel(client, order_id).status, 200);
  ASSERT_EQ(pay(client, order_id).status, 409);

  ASSERT_TRUE(
      eventually([&] { return gauge(client, "xacoord_reconcile_last_run_timestamp_seconds") > 0; },
                 std::chrono::seconds(20)))
      << coordinator->log_text();
  auto scrape = client.get("/metrics");
  ASSERT_EQ(scrape.status, 200);
  ASSERT_NE(scrape.body.find("xacoord_http_requests_total{route=\"orders.pay\",status=\"409\"}"),
            std::string::npos)
      << scrape.body;
  auto lint = promtool_check_metrics(scrape.body);
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
  EXPECT_EQ(lint.output, "");

  const std::string scrape_file = scratch_dir("scrape") + "/metrics.txt";
  std::ofstream(scrape_file) << scrape.body;
  auto names = run_program({find_program("python3", "python3"),
                            source_dir() + "/tests/ops/alert_rules_check.py", "metric-names",
                            source_dir(), scrape_file});
  EXPECT_EQ(names.exit_code, 0) << names.output;
}

// The check can fail: names against the conventions (a counter without _total, a unit
// abbreviated) are reported, with a non-zero status.
TEST(MetricsLint, PromtoolCatchesNamesAgainstTheConventions) {
  auto lint = promtool_check_metrics(
      "# HELP xacoord_refunds Refunds\n# TYPE xacoord_refunds counter\nxacoord_refunds 3\n"
      "# HELP xacoord_fsync_ms Fsync\n# TYPE xacoord_fsync_ms gauge\nxacoord_fsync_ms 1\n");
  EXPECT_NE(lint.exit_code, 0);
  EXPECT_NE(lint.output.find("xacoord_refunds counter metrics should have \"_total\" suffix"),
            std::string::npos)
      << lint.output;
  EXPECT_NE(lint.output.find("xacoord_fsync_ms metric names should not contain abbreviated units"),
            std::string::npos)
      << lint.output;
}

}  // namespace
}  // namespace xacoord::test
