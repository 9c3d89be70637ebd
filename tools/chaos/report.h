// What a chaos run found, written for machines (JSON) and people (Markdown with an SVG
// plot of throughput over time, fault windows shaded). Modelled on Jepsen's bank test
// report: operations, acknowledgements, faults, recovery times, and for each kind of
// anomaly its count with the first and worst examples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/chaos/history_check.h"

namespace xacoord::chaos {

struct Window {
  double start = 0;  // seconds since the chaos began
  double end = 0;
  std::string what;
};

struct RunResult {
  int index = 0;
  std::string fault;
  bool fault_fired = false;  // a crash point may not be reached in a short run
  std::size_t operations = 0;
  std::size_t acknowledged = 0;  // definite answers
  std::size_t unanswered = 0;    // gave up without one
  std::size_t retries = 0;
  double recovery_seconds = 0;     // from the end of the fault until ready with nothing in doubt
  std::vector<Anomaly> anomalies;  // invariant 5 (history)
  std::vector<Anomaly> discrepancies;  // invariants 1-4 (reconcile)
  std::vector<double> answer_times;    // seconds since the chaos began
  std::vector<Window> fault_windows;
  bool ok() const { return anomalies.empty() && discrepancies.empty(); }
};

struct ChaosReport {
  std::uint64_t seed = 0;
  std::string command;
  bool unsafe = false;
  std::vector<RunResult> runs;

  std::size_t violations() const;
  nlohmann::json to_json() const;
  std::string to_markdown(const std::string& svg_name) const;
  std::string throughput_svg() const;
  // Writes report.json, report.md and throughput.svg into `dir`.
  void write(const std::string& dir) const;
};

}  // namespace xacoord::chaos
