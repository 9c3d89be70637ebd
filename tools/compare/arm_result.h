// What one arm of `xacoord compare` measured (docs/architectures/compare.md lists every
// field). compare.json holds one per arm, in the fields contract §7 fixes and more.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/chaos/report.h"
#include "tools/compare/anomaly_sampler.h"

namespace xacoord::compare {

struct ArmResult {
  std::string architecture;
  double duration_s = 0;
  std::size_t operations = 0;  // pays and cancels sent
  std::size_t answered = 0;    // with a definite answer
  std::size_t unanswered = 0;
  std::size_t pays_answered = 0;
  double throughput_per_s = 0;  // definite answers per second of the run
  double p50_ms = 0, p99_ms = 0;
  // From the first request of an order's race to the last change of its order row or its
  // payment row (their updated_at, read once settled): when the order reached its final state. For
  // the synchronous arms it is about the slower answer of the race; for outbox it includes the
  // delivery after its 202.
  double final_state_p50_ms = 0, final_state_p99_ms = 0;
  // Throughput in the blocks with the locking sampler and in those without it.
  double throughput_locking_on_per_s = 0, throughput_locking_off_per_s = 0;

  std::size_t acknowledged_lost = 0;    // invariant 5: acknowledged answers the data broke
  std::size_t permanent_anomalies = 0;  // after settling: invariants 1-4 and 5
  std::vector<nlohmann::json> permanent_examples;  // the first few, as found
  std::size_t pays_committed = 0;                  // payments in the final state
  std::size_t refunds = 0;                         // REFUNDED payments whose pay was acknowledged
  std::size_t compensations = 0;  // REFUNDED payments whose pay was not acknowledged
  SamplerResult sampler;
  double order_row_lock_ms = 0;  // Little's law estimate (docs/architectures/compare.md)
  double db_statements_per_pay = 0;
  double coordinator_cpu_ms_per_pay = 0;
  double settle_ms = 0;
  std::map<std::string, int> faults_scheduled, faults_fired;
  // Slots of the shared schedule whose fault this arm has nothing to strike (kill-broker
  // without a broker): quiet slots, not counted as scheduled.
  std::map<std::string, int> faults_not_applicable;
  std::vector<chaos::Window> fault_windows;  // seconds since the arm began
  int coordinator_restarts = 0;
  std::vector<double> answer_times;         // seconds since the arm began, for the charts
  std::vector<std::string> harness_errors;  // requests refused that the arm must accept

  // §6: every arm but naive keeps its promise once settled.
  bool kept_promise() const {
    return permanent_anomalies == 0 && acknowledged_lost == 0 && unanswered == 0 &&
           harness_errors.empty();
  }
  nlohmann::json to_json() const;
};

}  // namespace xacoord::compare
