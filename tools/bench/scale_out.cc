#include "tools/bench/scale_out.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>

#include "tools/bench/bench_runner.h"
#include "tools/bench/bench_setup.h"
#include "tools/bench/measurement.h"
#include "tools/harness/etcd_cluster.h"
#include "tools/report/number_text.h"

namespace xacoord::bench {

namespace {

struct SetUp {
  std::string store;
  int nodes = 1;
  Coordinators coordinators;
  std::string label() const { return std::to_string(nodes) + " × " + store; }
};

}  // namespace

ScaleOutReport run_scale_out(const BenchOptions& options, const std::vector<int>& node_counts) {
  BenchOptions o = options;
  o.xacoord_by_threads = true;  // several addresses: wrk cannot spread its connections
  ScaleOutReport report;
  report.command = o.command;
  // A run id of its own: the accounts of a scale-out run never meet those of another.
  auto accounts = create_accounts(o, "s" + new_run_id());
  const int max_c = max_concurrency(o);
  const int max_nodes = *std::max_element(node_counts.begin(), node_counts.end());

  BenchCoordinator on_file = start_coordinator(o, max_c);
  auto etcd = harness::EtcdCluster::start(o.var_dir + "/etcd");
  std::vector<BenchCoordinator> on_etcd;
  for (int k = 1; k <= max_nodes; ++k)
    on_etcd.push_back(start_coordinator(o, max_c, "bench" + std::to_string(k), etcd->url()));

  std::vector<SetUp> setups{{"file", 1, on_file.view()}};
  for (int n : node_counts) {
    SetUp s{"etcd", n, {}};
    for (int k = 0; k < n; ++k) {
      s.coordinators.processes.push_back(on_etcd[static_cast<std::size_t>(k)].process.get());
      s.coordinators.ports.push_back(on_etcd[static_cast<std::size_t>(k)].port);
    }
    setups.push_back(std::move(s));
  }

  const double rate_bound = 6000;  // as in run_bench: orders enough for any 2-core machine
  for (int c : o.concurrency) {
    std::vector<std::vector<Sample>> samples(setups.size());
    for (int rep = 0; rep < o.repeat; ++rep) {
      for (std::size_t k = 0; k < setups.size(); ++k) {
        std::size_t m = (k + static_cast<std::size_t>(rep)) % setups.size();
        auto targets =
            create_orders(o, accounts,
                          static_cast<std::size_t>(
                              rate_bound * std::chrono::duration<double>(o.duration).count()) +
                              100);
        samples[m].push_back(measure(o, Mode::kXacoord, c, targets, setups[m].coordinators));
        std::fprintf(stderr, "%-10s x%-4d %8.0f pays/s  (repetition %d)\n",
                     setups[m].label().c_str(), c, samples[m].back().throughput(), rep + 1);
      }
    }
    for (std::size_t m = 0; m < setups.size(); ++m) {
      report.results.push_back(
          {setups[m].store, setups[m].nodes, summarize(Mode::kXacoord, c, samples[m])});
    }
  }
  return report;
}

nlohmann::json ScaleOutReport::to_json() const {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& s : results) {
    const auto& r = s.result;
    rows.push_back({{"decision_store", s.decision_store},
                    {"coordinators", s.nodes},
                    {"clients", r.concurrency},
                    {"pays", r.transactions},
                    {"errors", r.errors},
                    {"pays_per_s", r.throughput},
                    {"p50_ms", r.p50_ms},
                    {"p95_ms", r.p95_ms},
                    {"p99_ms", r.p99_ms},
                    {"coordinators_cpu_cores", r.coordinator_cpu},
                    {"coordinators_us_per_pay", r.coordinator_us_per_pay}});
  }
  return {{"command", command}, {"scale_out", rows}};
}

std::string ScaleOutReport::to_table() const {
  std::map<int, double> file_rate;
  for (const auto& s : results)
    if (s.decision_store == "file") file_rate[s.result.concurrency] = s.result.throughput;
  std::ostringstream t;
  t << "| set-up | clients | pays/s | : 1 × file | p50 ms | p99 ms | errors | coordinators' CPU "
       "per pay |\n|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& s : results) {
    const auto& r = s.result;
    const double base = file_rate[r.concurrency];
    t << "| " << s.nodes << " × " << s.decision_store << " | " << r.concurrency << " | "
      << report::fixed(r.throughput, 0) << " | "
      << (base > 0 ? report::fixed(r.throughput / base, 2) : std::string("-")) << " | "
      << report::fixed(r.p50_ms, 2) << " | " << report::fixed(r.p99_ms, 2) << " | " << r.errors
      << " | " << report::fixed(r.coordinator_us_per_pay, 0) << " µs |\n";
  }
  return t.str();
}

}  // namespace xacoord::bench
