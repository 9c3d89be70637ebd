// What a chaos run found, written for machines (JSON) and people (Markdown with an SVG
// plot of throughput over time, fault windows shaded). First what matters: transactions
// that moved money, transactions in flight when each fault struck, violations; then, as in
// Jepsen's bank test report, operations, acknowledgements, recovery times, and for each
// kind of anomaly its count with the first and worst examples.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/chaos/history_check.h"
#include "tools/chaos/in_flight.h"

namespace xacoord::chaos {

struct Window {
  double start = 0;  // seconds since the chaos began
  double end = 0;
  std::string what;
};

struct RunResult {
  int index = 0;
  std::string fault;
  bool fault_fired = false;   // a crash point may not be reached in a short run
  bool random_fault = false;  // struck at an instant of the schedule, not at a crash point

  // What changed state (docs/reliability.md, "What a run counts"), from the databases.
  std::size_t pays_committed = 0;     // payments captured, refunded later or not
  std::size_t refunds_committed = 0;  // paid orders cancelled with their money back
  std::size_t cancels_committed = 0;  // pending orders cancelled (one branch, no money)
  // From the coordinators' event logs: transactions rolled back after writing (by the
  // coordinator, or by its recovery after a crash), and ones that ended having written
  // nothing (a pay of a final order, a replayed answer).
  std::size_t transactions_aborted = 0;
  std::size_t transactions_refused = 0;
  std::size_t orders_created = 0;
  std::size_t transactions_committed() const { return pays_committed + refunds_committed; }

  // What the fault found in flight: from the phase gauge right before a random fault, or
  // from the restarted coordinator's recovery after a crash point (in_flight.h). Unset if
  // it could not be measured.
  std::optional<InFlight> in_flight_at_fault;
  std::string in_flight_source;                   // "metrics" or "recovery"
  std::size_t requests_outstanding_at_fault = 0;  // the clients' view
  PhaseSamples phase_samples;                     // the gauge all through the run
  // A random fault that fired and found no transaction in flight (or could not tell).
  bool found_nothing_in_flight() const {
    return random_fault && fault_fired && (!in_flight_at_fault || in_flight_at_fault->total() == 0);
  }

  std::size_t operations = 0;
  std::size_t acknowledged = 0;  // definite answers
  std::size_t unanswered = 0;    // gave up without one
  std::size_t retries = 0;
  double recovery_seconds = 0;     // from the end of the fault until ready with nothing in doubt
  std::vector<Anomaly> anomalies;  // invariant 5 (history)
  std::vector<Anomaly> discrepancies;  // invariants 1-4 (reconcile)
  std::vector<double> answer_times;    // seconds since the chaos began
  // Several coordinators on etcd: each held-down node's time from its kill until a survivor
  // had taken it over and no branch of its id was prepared; and the `takeover_finished`
  // lines of the run (a restarted taker's may add to them).
  std::vector<double> takeover_seconds;
  std::size_t takeovers = 0;
  std::vector<Window> fault_windows;
  bool ok() const { return anomalies.empty() && discrepancies.empty(); }
};

struct ChaosReport {
  std::uint64_t seed = 0;
  std::string command;
  bool unsafe = false;
  std::string architecture = "xa";
  int nodes = 1;
  std::string decision_store = "file";
  std::vector<RunResult> runs;

  // `chaos` fails when more than this share of the random faults that fired found no
  // transaction in flight: the workload went idle, and the faults proved little
  // (docs/reliability.md explains the figure).
  static constexpr double kMaxShareFindingNothing = 0.01;

  std::size_t violations() const;
  std::size_t random_faults_fired() const;
  std::size_t random_faults_finding_nothing() const;
  bool too_many_faults_found_nothing() const;
  nlohmann::json to_json() const;
  std::string to_markdown(const std::string& svg_name) const;
  std::string throughput_svg() const;
  // Writes report.json, report.md and throughput.svg into `dir`.
  void write(const std::string& dir) const;
};

}  // namespace xacoord::chaos
