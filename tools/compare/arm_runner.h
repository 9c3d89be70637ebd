// One arm of `xacoord compare`: a fresh coordinator of one architecture over the shared
// MariaDB pair (and broker), the seeded pay-vs-cancel race of tools/workload on accounts of
// the arm's own, the arm's fault schedule, the sampler alongside, then settling and the
// full check (docs/architectures/compare.md, "How an arm runs").
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tools/compare/arm_result.h"
#include "tools/compare/compare_schedule.h"
#include "tools/harness/local_broker.h"
#include "tools/harness/local_pair.h"
#include "tools/harness/serve_process.h"

namespace xacoord::compare {

struct ArmOptions {
  std::string architecture;
  std::uint64_t seed = 1;
  std::chrono::milliseconds duration{60'000};
  std::chrono::milliseconds slot_length{8'000};
  int clients = 8;
  std::vector<ArmFault> faults;  // one per slot
  std::string var_dir;           // the arm's coordinator log and stderr
  // etcd://... when the xa arm keeps its decisions in etcd (compare --decision-store etcd);
  // the other designs keep their own state in their databases and ignore it.
  std::string etcd_url;
  bool locking_sampler = true;
  // Test only: after settling, one REFUNDED payment of the arm is set back to CAPTURED,
  // which the final check must report (tests/tools/compare/compare_smoke_test.cc).
  bool plant_anomaly = false;
  // Called about every 100 ms: the share of the arm done, and a caption.
  std::function<void(double, const std::string&)> progress;
};

class ArmRunner {
 public:
  // `broker` may be null when no arm needs one.
  ArmRunner(harness::LocalPair& pair, harness::LocalBroker* broker, ArmOptions options);
  ~ArmRunner();
  // Throws std::runtime_error when the harness fails, or when `serve --architecture`
  // refuses the arm's name: the comparison must say so, not skip the arm.
  ArmResult run();

 private:
  std::string prefix() const;
  void start_coordinator(const std::string& crash_spec);
  void stop_coordinator();
  bool restart_if_dead(ArmResult& r);
  void run_slot(std::size_t index, const ArmFault& fault, ArmResult& r);
  void wait_until(std::chrono::steady_clock::time_point until, ArmResult& r);
  bool settled();
  double now() const;

  harness::LocalPair& pair_;
  harness::LocalBroker* broker_;
  ArmOptions options_;
  std::chrono::steady_clock::time_point began_;
  std::unique_ptr<harness::ServeProcess> coordinator_;
  std::atomic<int> coordinator_pid_{0};
  std::uint16_t port_ = 0;
  std::string armed_;
};

}  // namespace xacoord::compare
