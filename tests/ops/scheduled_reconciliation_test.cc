// `serve --reconcile-every` against the suite's MariaDB pair (docs/operations.md,
// "Scheduled reconciliation"): a planted paid order without a payment is found within two
// periods — metric, event, admin report — and cleared once repaired; and the pay-vs-cancel
// race, which makes the snapshots see XA's window between its two commits, raises no
// alarm, because the re-check with locking reads clears every such finding.
#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "participants/sql_text.h"
#include "tests/coordinator/recovery/recovery_fixture.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"
#include "tools/report/prometheus_text.h"

namespace xacoord::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr const char* kToken = "reconcile-test-token";

std::optional<double> series(HttpClient& client, const std::string& name) {
  return report::parse_prometheus_text(client.get("/metrics").body).value(name);
}

double discrepancies(HttpClient& client, int invariant) {
  return series(client,
                "xacoord_reconcile_discrepancies{invariant=\"" + std::to_string(invariant) + "\"}")
      .value_or(-1);
}

nlohmann::json admin_report(HttpClient& client) {
  auto reply = client.request("GET", "/v1/admin/reconcile", "",
                              {{"Authorization", std::string("Bearer ") + kToken}});
  if (reply.status != 200) throw std::runtime_error("admin report: " + reply.body);
  return reply.json();
}

// A coordinator whose scheduled check covers only the accounts starting with `prefix`
// (other tests share the pair, and some plant discrepancies of their own).
std::unique_ptr<CoordinatorProcess> start_reconciling(const DbPair& pair, const std::string& prefix,
                                                      const std::string& every) {
  CoordinatorOptions options = CoordinatorOptions::for_pair(pair);
  options.node_id = unique_node_id("rc");
  return start_ready(options, {"--reconcile-every", every, "--reconcile-account-prefix", prefix,
                               "--admin-token", kToken});
}

TEST(ScheduledReconciliation, FindsAPlantedPaidOrderWithoutPaymentWithinTwoPeriods) {
  auto pair = DbPair::shared();
  if (!pair) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  const std::string prefix = unique_name("rcp");
  const milliseconds period(1500);
  auto coordinator = start_reconciling(*pair, prefix, "1500ms");
  auto client = coordinator->client();
  auto account = open_account(client, prefix, 10'000);
  auto paid = create_order(client, account, 700);
  ASSERT_EQ(pay(client, paid).status, 200);

  // A run over the consistent rows (the paid order): every invariant at 0, its time exported.
  nlohmann::json report;
  ASSERT_TRUE(eventually(
      [&] {
        report = admin_report(client);
        return report["last_run"].is_object() && report["last_run"]["checked"]["orders"] == 1;
      },
      std::chrono::seconds(10)))
      << report.dump() << coordinator->log_text();
  EXPECT_TRUE(report["last_run"]["ok"].get<bool>()) << report.dump();
  EXPECT_EQ(report["last_run"]["checked"]["payments"], 1) << report.dump();
  for (int invariant = 1; invariant <= 4; ++invariant)
    EXPECT_EQ(discrepancies(client, invariant), 0) << invariant;
  EXPECT_GT(series(client, "xacoord_reconcile_last_run_timestamp_seconds").value_or(0), 1e9);

  // Planted behind the coordinator's back: an order PAID in xa_orders with no payment.
  auto orders = pair->connect("orders");
  orders->execute("INSERT INTO orders (account_id, amount_cents, status) VALUES (" +
                  db::quote(account) + ", 900, 'PAID')");
  const std::int64_t planted = orders->last_insert_id();
  const auto planted_at = steady_clock::now();
  ASSERT_TRUE(eventually([&] { return discrepancies(client, 1) == 1; }, 4 * period))
      << coordinator->log_text();
  const auto found_after = steady_clock::now() - planted_at;
  EXPECT_LT(found_after, 2 * period)
      << "found only after " << std::chrono::duration<double>(found_after).count() << " s";
  EXPECT_EQ(discrepancies(client, 2), 0);
  EXPECT_EQ(discrepancies(client, 3), 0);
  std::printf("planted paid order without payment found after %.2f s (period %.1f s)\n",
              std::chrono::duration<double>(found_after).count(), period.count() / 1000.0);

  // The event names the order; the admin report lists it.
  EXPECT_TRUE(has_event(coordinator->log_text(), "reconcile_discrepancy",
                        "\"order_id\":" + std::to_string(planted)))
      << coordinator->log_text();
  report = admin_report(client);
  ASSERT_EQ(report["last_run"]["discrepancies"].get<int>(), 1) << report.dump();
  const auto& listed = report["last_run"]["listed"][0];
  EXPECT_EQ(listed["invariant"].get<int>(), 1);
  EXPECT_EQ(listed["order_id"].get<std::int64_t>(), planted);
  EXPECT_EQ(listed["problem"].get<std::string>(), "paid order without a captured payment");
  // An admin route: without the token, a 401.
  EXPECT_EQ(client.get("/v1/admin/reconcile").status, 401);

  // Repaired, the next runs report nothing again.
  orders->execute("DELETE FROM orders WHERE order_id = " + std::to_string(planted));
  EXPECT_TRUE(eventually([&] { return discrepancies(client, 1) == 0; }, 4 * period));
}

TEST(ScheduledReconciliation, RaisesNoFalseAlarmUnderThePayCancelRace) {
  auto pair = DbPair::shared();
  if (!pair) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  const std::string prefix = unique_name("rcr");
  auto coordinator = start_reconciling(*pair, prefix, "100ms");
  auto client = coordinator->client();

  constexpr int kAccounts = 4, kPairsPerRound = 40, kRounds = 6;
  constexpr std::int64_t kPrice = 100;
  std::vector<std::string> accounts;
  for (int i = 0; i < kAccounts; ++i)
    accounts.push_back(open_account(client, prefix, kPrice * kPairsPerRound * kRounds));

  // A watcher samples the gauges the whole time: one scrape with a discrepancy fails.
  std::atomic<bool> racing{true};
  std::atomic<int> alarms{0}, samples{0};
  std::thread watcher([&] {
    auto watch = coordinator->client();
    while (racing.load()) {
      for (int invariant = 1; invariant <= 3; ++invariant)
        if (discrepancies(watch, invariant) > 0) ++alarms;
      ++samples;
      std::this_thread::sleep_for(milliseconds(20));
    }
  });
  int paid_then_refunded = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::int64_t> orders;
    for (int i = 0; i < kPairsPerRound; ++i)
      orders.push_back(create_order(client, accounts[i % kAccounts], kPrice));
    std::vector<int> pay_status(kPairsPerRound);
    std::vector<std::thread> threads;
    for (int i = 0; i < kPairsPerRound; ++i) {
      threads.emplace_back([&, i] {
        auto c = coordinator->client(std::chrono::seconds(60));
        pay_status[i] = pay(c, orders[i]).status;
      });
      threads.emplace_back([&, i] {
        auto c = coordinator->client(std::chrono::seconds(60));
        cancel(c, orders[i]);
      });
    }
    for (auto& t : threads)
      t.join();
    for (int status : pay_status)
      paid_then_refunded += status == 200 ? 1 : 0;
  }
  // A few more runs over the settled rows.
  auto runs_before = admin_report(client).value("runs", 0);
  ASSERT_TRUE(eventually([&] { return admin_report(client).value("runs", 0) >= runs_before + 3; },
                         std::chrono::seconds(20)));
  racing = false;
  watcher.join();

  const double transient =
      series(client, "xacoord_reconcile_transient_findings_total").value_or(-1);
  const double runs = series(client, "xacoord_reconcile_runs_total").value_or(-1);
  std::printf(
      "race under reconciliation: %d of %d pays won; %.0f runs, %.0f snapshot findings cleared "
      "by the re-check, %d of %d samples with an alarm\n",
      paid_then_refunded, kPairsPerRound * kRounds, runs, transient, alarms.load(), samples.load());
  EXPECT_EQ(alarms.load(), 0);
  EXPECT_FALSE(has_event(coordinator->log_text(), "reconcile_discrepancy", prefix))
      << coordinator->log_text();
  EXPECT_TRUE(admin_report(client)["last_run"]["ok"].get<bool>());
  // The race did put the snapshots in XA's window: without the re-check these would have
  // been alarms (the test would pass vacuously otherwise).
  EXPECT_GT(transient, 0) << "no snapshot fell between two commits: the load proved nothing";
  EXPECT_EQ(invariant_violations(*pair, prefix, coordinator->options().node_id), "");
}

}  // namespace
}  // namespace xacoord::test
