#include "tools/bench/bench_runner.h"

#include <algorithm>
#include <cstdio>

#include "tools/bench/bench_setup.h"
#include "tools/bench/measurement.h"

namespace xacoord::bench {

BenchReport run_bench(const BenchOptions& o) {
  BenchReport report;
  report.command = o.command;
  auto accounts = create_accounts(o, new_run_id());
  const int max_c = max_concurrency(o);
  BenchCoordinator coordinator;
  for (Mode m : o.modes) {
    if (m == Mode::kXacoord) coordinator = start_coordinator(o, max_c);
  }
  // Generous: no 2-core machine pays this many orders a second on these servers.
  const double rate_bound = 6000;
  for (int c : o.concurrency) {
    // Repetitions interleave the modes, each starting with another one, so a slow minute
    // of the shared disk or a burst of background work lands on every mode alike.
    std::vector<std::vector<Sample>> samples(o.modes.size());
    for (int rep = 0; rep < o.repeat; ++rep) {
      for (std::size_t k = 0; k < o.modes.size(); ++k) {
        std::size_t m = (k + static_cast<std::size_t>(rep)) % o.modes.size();
        auto targets =
            create_orders(o, accounts,
                          static_cast<std::size_t>(
                              rate_bound * std::chrono::duration<double>(o.duration).count()) +
                              100);
        samples[m].push_back(measure(o, o.modes[m], c, targets, coordinator.view()));
        std::fprintf(stderr, "%-10s x%-4d %8.0f txn/s  (repetition %d)\n", name_of(o.modes[m]), c,
                     samples[m].back().throughput(), rep + 1);
      }
    }
    for (std::size_t m = 0; m < o.modes.size(); ++m) {
      report.results.push_back(summarize(o.modes[m], c, samples[m]));
    }
  }
  return report;
}

}  // namespace xacoord::bench
