// One measurement of one mode at one concurrency — `concurrency` threads paying orders
// for the run's duration — and the summary of its repetitions.
#pragma once

#include <cstddef>
#include <vector>

#include "tools/bench/bench_setup.h"
#include "tools/bench/latency.h"
#include "tools/bench/pay_drivers.h"

namespace xacoord::bench {

struct BenchOptions;
struct BenchResult;

struct Sample {
  Latencies latencies;  // of the pays that ended PAID (wrk: 1,000 percentiles of all answers)
  std::size_t paid = 0;
  std::size_t errors = 0;
  double seconds = 0;
  double coordinator_cpu = -1;      // cores, xacoord mode only
  double coordinator_rss_mib = -1;  // peak while the clients ran, xacoord mode only
  double load_cpu = -1;             // cores used by the load generator (wrk), xacoord mode only
  double throughput() const { return static_cast<double>(paid) / seconds; }
};

// The xacoord mode loads `coordinators` (wrk: the first one only; the benchmark's threads:
// client i pays through coordinator i mod N, their CPU summed).
Sample measure(const BenchOptions& o, Mode mode, int concurrency,
               const std::vector<PayTarget>& targets, const Coordinators& coordinators);

// The repetitions of one mode at one concurrency: the median throughput (robust to a
// disk that is slow for a minute), latency percentiles over every sample together.
BenchResult summarize(Mode mode, int concurrency, std::vector<Sample>& samples);

}  // namespace xacoord::bench
