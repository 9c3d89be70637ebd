// What `xacoord compare` writes (contract §7; docs/architectures/compare.md): compare.json
// (the fixed fields and more), compare.md (one table, arms as rows) and two SVG charts,
// throughput.svg and anomalies.svg (one line per arm, the fault windows shaded).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/compare/arm_result.h"

namespace xacoord::compare {

struct CompareReport {
  std::uint64_t seed = 0;
  std::string command;
  std::string faults;
  double duration_s = 0;
  int clients = 0;
  std::string decision_store = "file";  // of the xa arm
  std::vector<ArmResult> arms;

  // Every arm but naive kept its promise (§6); naive's anomalies are reported only.
  bool promises_kept() const;
  nlohmann::json to_json() const;
  std::string to_markdown() const;
  std::string throughput_svg() const;
  std::string anomalies_svg() const;
  // Writes all four into `dir` (created if missing).
  void write(const std::string& dir) const;
};

}  // namespace xacoord::compare
