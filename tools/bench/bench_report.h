// What `xacoord bench` found: per mode and concurrency, throughput, latency percentiles and
// the coordinator's CPU and memory; the ratios against the XA floor; a table and two charts.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/bench/pay_drivers.h"

namespace xacoord::bench {

struct BenchResult {
  Mode mode;
  int concurrency = 0;
  std::size_t transactions = 0;
  std::size_t errors = 0;
  double seconds = 0;
  double throughput = 0;  // transactions per second (median of the repetitions)
  double p50_ms = 0, p95_ms = 0, p99_ms = 0;
  double coordinator_cpu = -1;               // cores used by the coordinator process (xacoord mode)
  double coordinator_rss_mib = -1;           // its peak resident memory during the measurements
  double coordinator_us_per_pay = -1;        // its CPU (user + system) per paid order, µs
  double load_cpu = -1;                      // cores used by the load generator (wrk)
  std::vector<double> latency_ms_quantiles;  // 1..99th percentiles, for the plot
};

struct BenchReport {
  std::string command;
  std::vector<BenchResult> results;
  nlohmann::json to_json() const;
  std::string to_table() const;
  // Throughput against concurrency per mode, and latency percentiles at `at_concurrency`.
  std::string throughput_svg() const;
  std::string latency_svg(int at_concurrency) const;
};

}  // namespace xacoord::bench
