// `xacoord chaos`: its own MariaDB pair and coordinators (child processes), clients racing
// pay and cancel on fresh orders (tools/workload), one fault per run from the menu, and
// after each run the checks: recovery finishes, invariants 1-4 hold (reconcile), every
// acknowledged outcome stayed (invariant 5), and no branch is left prepared. It counts the
// transactions that moved money and what each fault found in flight (docs/reliability.md).
// With `--nodes N --decision-store etcd` it starts its own three-member etcd and N
// coordinators sharing it, spreads each client's requests over them (a pay and its racing
// cancel land on different nodes), and adds kill-node (a survivor must take over) and
// kill-etcd-member to the menu (docs/scale-out.md, "Chaos of several coordinators").
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tools/chaos/fault_schedule.h"
#include "tools/chaos/report.h"
#include "tools/harness/etcd_cluster.h"
#include "tools/harness/local_broker.h"
#include "tools/harness/local_pair.h"
#include "tools/harness/serve_process.h"
#include "tools/workload/history.h"

namespace xacoord::chaos {

inline constexpr int kMaxNodes = 8;

struct ChaosOptions {
  std::uint64_t seed = 1;
  int runs = 12;
  std::chrono::milliseconds duration{4000};
  int clients = 8;
  int accounts_per_client = 3;  // funded ones; each client has a poor one besides
  std::string faults = "all";
  std::string out_dir = "chaos-report";
  std::string var_dir;  // where the pair and the coordinator keep their data (default: a temp dir)
  // serve --architecture (docs/architectures.md); `naive` is the baseline that must fail.
  std::string architecture = "xa";
  bool unsafe = false;                  // the same as architecture "naive" (kept for old scripts)
  int nodes = 1;                        // coordinators; more than one needs etcd
  std::string decision_store = "file";  // or "etcd": chaos starts its own cluster
  std::chrono::seconds takeover_after{2};
  bool progress = true;
  std::string command;  // as typed, for the report
};

class ChaosRunner {
 public:
  explicit ChaosRunner(ChaosOptions options);
  ~ChaosRunner();
  // Runs everything and writes the report; throws std::runtime_error if the harness itself
  // fails (a database that will not start, a coordinator that never gets ready).
  ChaosReport run();

 private:
  struct Run;
  struct Node {
    std::string id;
    std::uint16_t port = 0;
    std::string log_dir;
    std::string log_path;  // its stderr: the event log chaos reads
    std::unique_ptr<harness::ServeProcess> process;
    std::string armed_crash;
    // Killed on purpose (kill-node, or the victim of a takeover's crash point) and kept
    // down until a survivor has taken it over.
    bool held_down = false;
    double killed_at = 0;  // seconds since the chaos began
    // Where every node's log stood at the kill: its takeover is looked for after that.
    std::vector<std::uint64_t> offsets_at_kill;
    bool running() const { return process && process->running(); }
  };
  bool on_etcd() const { return options_.decision_store == "etcd"; }
  void start_node(Node& node, const std::string& crash_spec);
  // Stops it cleanly if it runs (SIGTERM: on etcd it leaves its id free at once).
  void stop_node(Node& node);
  void restart_dead_nodes(Run& run);
  void restart_node(Node& node, Run& run);
  void hold_down(Node& node, Run& run);
  // Releases the held nodes that a survivor has taken over (their branches resolved), and
  // with `wait`, waits for every one (bounded); records each takeover's time.
  void release_taken_over(Run& run, bool wait);
  bool taken_over(const Node& node) const;
  // Invariant 4 at the moment it is promised: right after a restarted coordinator says
  // ready, and for a moment after, no branch of an earlier epoch may be prepared.
  void check_nothing_prepared_after_ready(Node& node, Run& run);
  RunResult run_one(int index, const Fault& fault);
  void inject(const Fault& fault, Run& run);
  void wait_for_crash_point(Node& node, Run& run);
  void crash_mid_takeover(const Fault& fault, Run& run);
  std::optional<InFlight> sample(const std::vector<Node*>& which) const;
  std::vector<Node*> all_nodes();
  // Polls until the coordinator is ready with nothing in doubt; records the time since
  // `fault_ended` as the run's recovery time (the longest, if several).
  void measure_recovery(Run& run, double fault_ended);
  void wait_recovered(Run& run);
  void check(Run& run, const std::string& prefix, const std::vector<workload::Op>& ops);
  // Aborts from the event log, and what a crash point found in flight.
  void count(Run& run, const std::vector<workload::Op>& ops);
  double now() const;  // seconds since the chaos began

  ChaosOptions options_;
  std::chrono::steady_clock::time_point began_;
  std::unique_ptr<harness::LocalPair> pair_;
  std::unique_ptr<harness::LocalBroker> broker_;  // outbox only
  std::unique_ptr<harness::EtcdCluster> etcd_;    // --decision-store etcd only
  std::vector<Node> nodes_;
};

}  // namespace xacoord::chaos
