// `xacoord compare` end to end: one MariaDB pair (and a broker when the outbox arm runs)
// for the whole comparison, then each arm in turn on accounts of its own, with the same
// seed, workload and fault schedule (docs/architectures/compare.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/compare/compare_report.h"

namespace xacoord::compare {

// Every design contract §6 names, in the order the report lists them.
inline const std::vector<std::string> kAllArchitectures = {"xa", "tcc", "saga", "outbox", "naive"};

struct CompareOptions {
  std::vector<std::string> architectures = kAllArchitectures;
  std::string faults = "all";
  std::uint64_t seed = 1;
  std::chrono::milliseconds duration{60'000};
  std::chrono::milliseconds slot{8'000};  // one fault per slot
  int clients = 8;
  std::string out_dir = "compare-report";
  std::string var_dir;  // default: a new temp dir
  bool progress = true;
  // "file" or "etcd": the xa arm's decisions in a three-member etcd that compare starts
  // (contract §9); the other arms are unchanged.
  std::string decision_store = "file";
  std::string plant_anomaly;  // test only: the arm whose settled data gets a planted anomaly
  std::string command;
};

// Runs every arm and writes the report. Throws std::runtime_error when the harness fails or
// an arm's coordinator will not start (its `--architecture` refused); the arms done so far
// are written first.
CompareReport run_compare(const CompareOptions& options);

// "xa,saga" into names, each checked against kAllArchitectures; throws
// std::invalid_argument naming the valid ones.
std::vector<std::string> parse_architectures(const std::string& list);

}  // namespace xacoord::compare
