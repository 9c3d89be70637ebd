// `xacoord bench --scale-out 1,2,3`: pays/s of several coordinators sharing one etcd
// (docs/scale-out.md) against one coordinator on its own decision log, on the same two
// databases, in one run. Every set-up is loaded by the benchmark's own threads (wrk talks to
// one address), client i paying through coordinator i mod N; repetitions interleave the
// set-ups, and medians are reported, as in the rest of bench.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/bench/bench_report.h"

namespace xacoord::bench {

struct BenchOptions;

struct ScaleOutResult {
  std::string decision_store;  // "file" or "etcd"
  int nodes = 1;
  BenchResult result;  // coordinator_* fields: all the set-up's coordinators together
};

struct ScaleOutReport {
  std::string command;
  std::vector<ScaleOutResult> results;
  nlohmann::json to_json() const;
  // One row per set-up and concurrency, with the ratio to one coordinator on the file log.
  std::string to_table() const;
};

// `node_counts`: the etcd set-ups (each a number of coordinators); one coordinator on the
// file log is always measured beside them. Starts its own three-member etcd.
ScaleOutReport run_scale_out(const BenchOptions& o, const std::vector<int>& node_counts);

}  // namespace xacoord::bench
