// `xacoord bench`: xacoord end to end, the XA floor and the non-atomic baseline, at each
// concurrency, on the same two servers in one run — so every figure is a ratio against
// a baseline measured minutes apart on the same machine.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tools/bench/bench_report.h"
#include "tools/bench/pay_drivers.h"

namespace xacoord::bench {

struct BenchOptions {
  std::string orders_url = "mysql://root@127.0.0.1:3316/xa_orders";
  std::string payments_url = "mysql://root@127.0.0.1:3317/xa_payments";
  std::vector<int> concurrency{1, 8, 32, 64};
  std::vector<Mode> modes{std::begin(kAllModes), std::end(kAllModes)};
  std::chrono::milliseconds duration{5000};
  int repeat = 3;  // measurements per mode and concurrency, interleaved; medians reported
  int accounts = 1000;
  std::string var_dir;  // the benchmark's coordinator keeps its log and stderr here
  bool progress = true;
  // The xacoord mode's load from the benchmark's own threads (HttpClient) instead of wrk.
  bool xacoord_by_threads = false;
  std::string command;
};

BenchReport run_bench(const BenchOptions& options);

}  // namespace xacoord::bench
