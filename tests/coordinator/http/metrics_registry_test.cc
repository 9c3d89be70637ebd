// The metrics registry renders valid Prometheus text, and the coordinator's known series
// exist at zero before their first event.
#include "coordinator/observability/metrics.h"

#include <gtest/gtest.h>

#include "coordinator/observability/coordinator_metrics.h"
#include "tools/report/prometheus_text.h"

namespace xacoord::test {
namespace {

using report::parse_prometheus_text;

TEST(MetricsRegistry, RendersCountersGaugesAndCumulativeHistograms) {
  metrics::Registry registry;
  registry.counter("t_requests_total", "Requests", {{"route", "a"}}).inc(3);
  registry.counter("t_requests_total", "Requests", {{"route", "a"}}).inc();  // the same series
  registry.gauge("t_level", "Level").set(2.5);
  registry.gauge_fn("t_computed", "Computed", {{"pool", "x"}}, [] { return 7.0; });
  auto& h = registry.histogram("t_seconds", "Latency", {0.1, 1}, {{"op", "say \"hi\"\n"}});
  for (double v : {0.05, 0.1, 0.5, 3.0})
    h.observe(v);

  auto scrape = parse_prometheus_text(registry.render());
  EXPECT_EQ(scrape.error, "");
  EXPECT_EQ(scrape.types["t_requests_total"], "counter");
  EXPECT_EQ(scrape.types["t_seconds"], "histogram");
  EXPECT_EQ(scrape.value("t_requests_total{route=\"a\"}"), 4);
  EXPECT_EQ(scrape.value("t_level"), 2.5);
  EXPECT_EQ(scrape.value("t_computed{pool=\"x\"}"), 7);
  const std::string labels = R"(op="say \"hi\"\n")";
  EXPECT_EQ(scrape.value("t_seconds_bucket{" + labels + ",le=\"0.1\"}"), 2);  // le is inclusive
  EXPECT_EQ(scrape.value("t_seconds_bucket{" + labels + ",le=\"1\"}"), 3);
  EXPECT_EQ(scrape.value("t_seconds_bucket{" + labels + ",le=\"+Inf\"}"), 4);
  EXPECT_EQ(scrape.value("t_seconds_count{" + labels + "}"), 4);
  EXPECT_DOUBLE_EQ(scrape.value("t_seconds_sum{" + labels + "}").value_or(0), 3.65);
}

TEST(MetricsRegistry, OneNameHasOneType) {
  metrics::Registry registry;
  registry.counter("t_x", "X");
  EXPECT_THROW(registry.gauge("t_x", "X"), std::logic_error);
}

TEST(CoordinatorMetrics, KnownSeriesStartAtZero) {
  metrics::Registry registry;
  CoordinatorMetrics m(registry);
  m.declare_participant("orders");
  auto scrape = parse_prometheus_text(registry.render());
  EXPECT_EQ(scrape.error, "");
  for (const char* series :
       {"xacoord_transactions_total{kind=\"pay\",outcome=\"committed\"}",
        "xacoord_transactions_total{kind=\"cancel\",outcome=\"aborted\"}",
        "xacoord_transaction_duration_seconds_count{outcome=\"committed\"}",
        "xacoord_phase_duration_seconds_count{phase=\"decision\"}",
        "xacoord_recovery_actions_total{participant=\"orders\",action=\"rollback\",reason="
        "\"orphan\"}",
        "xacoord_decision_log_fsync_seconds_count", "xacoord_http_read_timeouts_total",
        "xacoord_http_connections_refused_total", "xacoord_idempotent_replays_total"}) {
    EXPECT_EQ(scrape.value(series), 0) << series;
  }
  m.transaction_finished("pay", "committed", std::chrono::milliseconds(3));
  m.on_batch(4, 100, std::chrono::microseconds(120));
  scrape = parse_prometheus_text(registry.render());
  EXPECT_EQ(scrape.value("xacoord_transactions_total{kind=\"pay\",outcome=\"committed\"}"), 1);
  EXPECT_EQ(scrape.value("xacoord_decision_log_batch_records_sum"), 4);
  EXPECT_EQ(scrape.value("xacoord_decision_log_bytes_total"), 100);
}

}  // namespace
}  // namespace xacoord::test
