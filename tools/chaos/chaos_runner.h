// `xacoord chaos`: its own MariaDB pair and coordinator (child processes), clients racing
// pay and cancel on fresh orders (tools/workload), one fault per run from the menu, and
// after each run the checks: recovery finishes, invariants 1-4 hold (reconcile), every
// acknowledged outcome stayed (invariant 5), and no branch is left prepared. It counts the
// transactions that moved money and what each fault found in flight (docs/reliability.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tools/chaos/fault_schedule.h"
#include "tools/chaos/report.h"
#include "tools/harness/local_broker.h"
#include "tools/harness/local_pair.h"
#include "tools/harness/serve_process.h"
#include "tools/workload/history.h"

namespace xacoord::chaos {

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
  bool unsafe = false;  // the same as architecture "naive" (kept for old scripts)
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
  std::string log_path() const;
  void start_coordinator(const std::string& crash_spec);
  void restart_coordinator_if_dead(Run& run);
  // Invariant 4 at the moment it is promised: right after a restarted coordinator says
  // ready, and for a moment after, no branch of an earlier epoch may be prepared.
  void check_nothing_prepared_after_ready(Run& run);
  RunResult run_one(int index, const Fault& fault);
  void inject(const Fault& fault, Run& run);
  void wait_for_crash_point(Run& run);
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
  std::unique_ptr<harness::ServeProcess> coordinator_;
  std::string armed_crash_;
  std::uint16_t port_ = 0;
  std::string log_dir_;
};

}  // namespace xacoord::chaos
