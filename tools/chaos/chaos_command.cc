// `xacoord chaos`: fault-injection runs with a report a skeptic can read.
#include <cstdio>

#include "common/flags.h"
#include "tools/chaos/chaos_runner.h"
#include "tools/tool_commands.h"

namespace xacoord {

int chaos_command(int argc, char** argv) {
  chaos::ChaosOptions o;
  std::int64_t seed = 1, runs = o.runs, clients = o.clients, orders = o.orders_per_run;
  bool quiet = false;
  Flags flags(
      "xacoord chaos [--seed N] [--runs N] [--duration 4s] [--clients N] [--faults MENU] [--out "
      "DIR]");
  flags.add("seed", "seed of the fault schedule (the same seed, the same schedule)", &seed, 0,
            INT64_MAX);
  flags.add("runs", "runs, one fault each", &runs, 1, 100000);
  flags.add("duration", "length of each run's workload", &o.duration);
  flags.add("clients", "concurrent clients", &clients, 1, 512);
  flags.add("orders", "orders the clients race on, per run", &orders, 1, 100000);
  flags.add("faults",
            "menu: all | crash | crash:<point> | crash:random | kill-db[:orders|payments] | "
            "kill-conn[:db] | pause-db[:db], comma-separated",
            &o.faults);
  flags.add("out", "directory for report.json, report.md and throughput.svg", &o.out_dir);
  flags.add("var",
            "directory for the databases and the coordinator's log (default: a new temp dir)",
            &o.var_dir);
  flags.add("unsafe",
            "run the coordinator with --unsafe-no-2pc: the baseline the checks must catch",
            &o.unsafe);
  flags.add("quiet", "no progress bar", &quiet);
  try {
    if (!flags.parse(argc, argv, 2).empty()) throw UsageError(flags.usage());
    chaos::parse_menu(o.faults);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  o.seed = static_cast<std::uint64_t>(seed);
  o.runs = static_cast<int>(runs);
  o.clients = static_cast<int>(clients);
  o.orders_per_run = static_cast<int>(orders);
  o.progress = !quiet;
  o.command = command_line(argc, argv);
  try {
    chaos::ChaosRunner runner(o);
    auto report = runner.run();
    auto totals = report.to_json()["totals"];
    std::printf(
        "%zu runs, %s operations, %s acknowledged, %s unanswered, %zu violations; report in "
        "%s/report.md\n",
        report.runs.size(), totals["operations"].dump().c_str(),
        totals["acknowledged"].dump().c_str(), totals["unanswered"].dump().c_str(),
        report.violations(), o.out_dir.c_str());
    return report.violations() == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xacoord chaos: %s\n", e.what());
    return 2;
  }
}

}  // namespace xacoord
