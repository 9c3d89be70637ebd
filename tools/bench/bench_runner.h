// `xacoord bench`: xacoord end to end, the XA floor and the non-atomic baseline, at each
// concurrency, on the same two servers in one run — so every figure is a ratio against
// a baseline measured minutes apart on the same machine.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/bench/pay_drivers.h"

namespace xacoord::bench {

struct BenchOptions {
  std::string orders_url = "mysql://root@127.0.0.1:3316/xa_orders";
  std::string payments_url = "mysql://root@127.0.0.1:3317/xa_payments";
  std::vector<int> concurrency{1, 8, 32, 64};
  std::vector<Mode> modes{Mode::kXacoord, Mode::kXaFloor, Mode::kNonAtomic};
  std::chrono::milliseconds duration{5000};
  int repeat = 3;  // measurements per mode and concurrency, interleaved; medians reported
  int accounts = 1000;
  std::string var_dir;  // the benchmark's coordinator keeps its log and stderr here
  bool progress = true;
  std::string command;
};

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

BenchReport run_bench(const BenchOptions& options);

}  // namespace xacoord::bench
