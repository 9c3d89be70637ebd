// `xacoord compare` (contract §7; docs/architectures/compare.md): every architecture under
// the same seeded race and fault schedule, sampled while it runs and checked once settled.
#include <cstdio>

#include "common/flags.h"
#include "tools/compare/compare_runner.h"
#include "tools/compare/compare_schedule.h"
#include "tools/tool_commands.h"

namespace xacoord {

int compare_command(int argc, char** argv) {
  compare::CompareOptions o;
  std::string architectures = "xa,tcc,saga,outbox,naive";
  std::int64_t seed = 1, clients = o.clients;
  bool quick = false, quiet = false;
  Flags flags(
      "xacoord compare [--architectures xa,tcc,saga,outbox,naive] [--faults LIST] [--seed N] "
      "[--duration D] [--clients N] [--out DIR]\n"
      "Exit 0 when every arm but naive kept its promise (docs/architectures.md), 1 otherwise, "
      "2 when the harness failed or an arm's coordinator would not start.");
  flags.add("architectures", "comma list of the arms, run one after another", &architectures);
  flags.add("faults",
            "menu: all | crash (each arm's own crash points) | crash:random | "
            "kill-db[:orders|payments] | kill-conn[:db] | pause-db[:db] | partition[:db] | "
            "kill-broker, comma-separated",
            &o.faults);
  flags.add("seed", "seed of the workload and the fault schedule", &seed, 0, INT64_MAX);
  flags.add("duration", "length of each arm's workload", &o.duration);
  flags.add("slot", "one fault per slot of this length", &o.slot);
  flags.add("clients", "concurrent clients", &clients, 1, 512);
  flags.add("out", "directory for compare.json, compare.md and the SVG charts", &o.out_dir);
  flags.add("var", "directory for the databases and coordinators (default: a new temp dir)",
            &o.var_dir);
  flags.add("quick",
            "the smoke of make test: 4 s per arm, one crash at a random instant each, 6 clients",
            &quick);
  flags.add("quiet", "no progress bar", &quiet);
  flags.add("decision-store",
            "file (default) or etcd: the xa arm keeps its decisions in a three-member etcd that "
            "compare starts (docs/scale-out.md)",
            &o.decision_store);
  flags.add("plant-anomaly",
            "tests only: after this arm settles, set one of its REFUNDED payments back to CAPTURED "
            "(the check must report it)",
            &o.plant_anomaly);
  try {
    if (!flags.parse(argc, argv, 2).empty()) throw UsageError(flags.usage());
    o.architectures = compare::parse_architectures(architectures);
    if (quick) {
      o.duration = std::chrono::seconds(4);
      o.slot = o.duration;
      o.faults = "crash:random";
      clients = 6;
    }
    if (o.duration < std::chrono::seconds(1) || o.slot < std::chrono::seconds(1))
      throw UsageError("--duration and --slot must be at least 1s");
    compare::parse_compare_menu(o.faults);
    if (o.decision_store != "file" && o.decision_store != "etcd")
      throw UsageError("--decision-store must be file or etcd (got '" + o.decision_store + "')");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  o.seed = static_cast<std::uint64_t>(seed);
  o.clients = static_cast<int>(clients);
  o.progress = !quiet;
  o.command = command_line(argc, argv);
  try {
    auto report = compare::run_compare(o);
    for (const auto& a : report.arms) {
      std::printf(
          "%-7s %7.1f answers/s  p50 %6.1f ms  p99 %7.1f ms  lost %zu  permanent %zu  "
          "transient %zu  snapshot %zu  window %.0f ms  settle %.0f ms%s\n",
          a.architecture.c_str(), a.throughput_per_s, a.p50_ms, a.p99_ms, a.acknowledged_lost,
          a.permanent_anomalies, a.sampler.transient_anomaly_samples,
          a.sampler.snapshot_anomaly_samples, a.sampler.max_snapshot_window_ms, a.settle_ms,
          a.kept_promise()            ? ""
          : a.architecture == "naive" ? "  (baseline: promises nothing)"
                                      : "  PROMISE BROKEN");
    }
    std::printf("report in %s/compare.md\n", o.out_dir.c_str());
    return report.promises_kept() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xacoord compare: %s\n", e.what());
    return 2;
  }
}

}  // namespace xacoord
