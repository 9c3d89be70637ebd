// `xacoord chaos`: fault-injection runs with a report a skeptic can read.
#include <cstdio>
#include <string>

#include "common/flags.h"
#include "tools/chaos/chaos_runner.h"
#include "tools/tool_commands.h"

namespace xacoord {

int chaos_command(int argc, char** argv) {
  chaos::ChaosOptions o;
  std::int64_t seed = 1, runs = o.runs, clients = o.clients, accounts = o.accounts_per_client;
  std::int64_t nodes = o.nodes;
  std::chrono::milliseconds takeover_after = o.takeover_after;
  bool quiet = false;
  Flags flags(
      "xacoord chaos [--seed N] [--runs N] [--duration 4s] [--clients N] [--faults MENU] [--out "
      "DIR] [--nodes N --decision-store etcd]");
  flags.add("seed", "seed of the fault schedule (the same seed, the same schedule)", &seed, 0,
            INT64_MAX);
  flags.add("runs", "runs, one fault each", &runs, 1, 100000);
  flags.add("duration", "length of each run's workload", &o.duration);
  flags.add("clients", "concurrent clients", &clients, 1, 512);
  flags.add("accounts",
            "funded accounts per client (each client also has a poor one, whose pays are refused)",
            &accounts, 1, 1000);
  flags.add("faults",
            "menu: all | crash | crash:<point> | crash:random | kill-db[:orders|payments] | "
            "kill-conn[:db] | pause-db[:db] | partition[:db] | kill-broker (outbox) | kill-node "
            "(--nodes 2+) | kill-etcd-member (etcd), comma-separated",
            &o.faults);
  flags.add("out", "directory for report.json, report.md and throughput.svg", &o.out_dir);
  flags.add("var",
            "directory for the databases and the coordinator's log (default: a new temp dir)",
            &o.var_dir);
  flags.add(
      "architecture",
      "the design the coordinator runs: xa (default), tcc, saga, outbox (chaos starts its own "
      "Redis; `all` adds kill-broker), or naive, the baseline the checks must catch "
      "(docs/architectures.md); `crash` draws its crash points",
      &o.architecture);
  flags.add("unsafe", "the same as --architecture naive", &o.unsafe);
  flags.add("nodes",
            "coordinators sharing the databases and one etcd store; each client's requests go "
            "round the nodes (docs/scale-out.md)",
            &nodes, 1, chaos::kMaxNodes);
  flags.add("decision-store",
            "file (each coordinator's own log, the default) or etcd (chaos starts its own "
            "three-member cluster; --architecture xa)",
            &o.decision_store);
  flags.add("takeover-after", "serve --takeover-after of the coordinators on etcd (whole seconds)",
            &takeover_after);
  flags.add("quiet", "no progress bar", &quiet);
  try {
    if (!flags.parse(argc, argv, 2).empty()) throw UsageError(flags.usage());
    if (o.decision_store != "file" && o.decision_store != "etcd")
      throw UsageError("--decision-store must be file or etcd (got '" + o.decision_store + "')");
    if (nodes > 1 && o.decision_store != "etcd")
      throw UsageError(
          "--nodes " + std::to_string(nodes) +
          " needs --decision-store etcd: a survivor takes over a dead node's decisions from there");
    if (o.decision_store == "etcd" && o.architecture != "xa")
      throw UsageError("--decision-store etcd is for --architecture xa (the decisions of 2PC)");
    if (takeover_after < std::chrono::seconds(2) || takeover_after.count() % 1000 != 0)
      throw UsageError("--takeover-after must be whole seconds, at least 2s");
    chaos::parse_menu(o.faults, o.architecture,
                      chaos::Topology{static_cast<int>(nodes), o.decision_store == "etcd"});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  o.seed = static_cast<std::uint64_t>(seed);
  o.runs = static_cast<int>(runs);
  o.clients = static_cast<int>(clients);
  o.accounts_per_client = static_cast<int>(accounts);
  o.progress = !quiet;
  o.nodes = static_cast<int>(nodes);
  o.takeover_after = std::chrono::duration_cast<std::chrono::seconds>(takeover_after);
  o.command = command_line(argc, argv);
  try {
    chaos::ChaosRunner runner(o);
    auto report = runner.run();
    auto totals = report.to_json()["totals"];
    const auto& f = totals["in_flight_at_fault"];
    std::printf(
        "%zu runs: %s transactions committed (%s pays, %s refunds), %s aborted; in flight at the "
        "faults %s before prepare, %s prepared undecided, %s decided uncommitted; %zu of %zu "
        "random faults found nothing in flight; %s operations, %s unanswered; %zu violations; "
        "report in %s/report.md\n",
        report.runs.size(), totals["transactions_committed"].dump().c_str(),
        totals["pays_committed"].dump().c_str(), totals["refunds_committed"].dump().c_str(),
        totals["transactions_aborted"].dump().c_str(), f["before_prepare"].dump().c_str(),
        f["prepared_undecided"].dump().c_str(), f["decided_uncommitted"].dump().c_str(),
        report.random_faults_finding_nothing(), report.random_faults_fired(),
        totals["operations"].dump().c_str(), totals["unanswered"].dump().c_str(),
        report.violations(), o.out_dir.c_str());
    if (report.too_many_faults_found_nothing()) {
      std::fprintf(stderr,
                   "xacoord chaos: more than %.0f%% of the random faults found no transaction in "
                   "flight: the workload was idle when they struck (more --clients?)\n",
                   chaos::ChaosReport::kMaxShareFindingNothing * 100);
    }
    return report.violations() == 0 && !report.too_many_faults_found_nothing() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xacoord chaos: %s\n", e.what());
    return 2;
  }
}

}  // namespace xacoord
