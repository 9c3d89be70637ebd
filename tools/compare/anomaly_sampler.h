// The sampler of `xacoord compare` (docs/architectures/compare.md, "How the sampler reads"):
// every ~100 ms while an arm runs, how many of the arm's orders and accounts break
// invariants 1-3 at that moment, read two ways:
//  - locking reads in the engine's lock order (the orders first, then payments and
//    accounts: coordinator/architectures/xa/xa_architecture.cc), READ COMMITTED with a
//    short lock wait: what a transaction would see; it waits for prepared rows. It runs in
//    alternate blocks of time only, so the throughput it costs can be measured against the
//    blocks without it;
//  - plain snapshot reads, one server after the other: what a report would see.
// Alongside, what the arm costs the servers and the coordinator: statements run, row locks
// held on the orders server (for the lock-hold estimate) and the coordinator's CPU time.
// Runs on a thread of its own with sessions of its own.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tools/harness/local_pair.h"

namespace xacoord::compare {

struct Sample {
  double at = 0;                          // seconds since the arm began
  std::optional<int> snapshot;            // anomalous orders + accounts; nullopt: a read failed
  bool locking_on = false;                // in a block with the locking pass
  std::optional<int> locking;             // nullopt: off, failed, or its lock wait ran out
  bool locking_blocked = false;           // the lock wait ran out (a prepared row held it)
  std::optional<int> orders_rows_locked;  // row locks of others on the orders server
};

struct SamplerResult {
  std::vector<Sample> samples;
  std::size_t snapshot_anomaly_samples = 0;   // samples that saw at least one anomaly
  std::size_t transient_anomaly_samples = 0;  // the same, locking pass
  std::size_t locking_samples = 0;            // locking passes that finished
  std::size_t locking_blocked = 0;
  // The longest run of consecutive samples one order or account stayed wrong.
  double max_snapshot_window_ms = 0;
  double max_locking_window_ms = 0;
  std::string longest_window_subject;  // of the snapshot pass
  double mean_orders_rows_locked = 0;
  std::int64_t statements_orders = 0;  // run by others while sampling (server counters)
  std::int64_t statements_payments = 0;
  double coordinator_cpu_seconds = 0;  // summed over every coordinator process of the arm
  // Seconds since the arm began, per block: whether the locking pass ran in it.
  double locking_block_seconds = 0;
};

struct SamplerOptions {
  std::string account_prefix;       // the arm's accounts
  std::int64_t first_order_id = 0;  // orders below it belong to earlier arms
  std::chrono::milliseconds every{100};
  // Orders read per pass: the newest this many (older ones settled long ago, or are what
  // the final check catches).
  int window_orders = 3000;
  // The locking pass runs in blocks of this length, every other one.
  std::chrono::milliseconds locking_block{1000};
  bool locking = true;
};

class AnomalySampler {
 public:
  // `coordinator_pid` is asked every sample (the arm restarts its coordinator).
  AnomalySampler(const harness::LocalPair& pair, SamplerOptions options,
                 std::chrono::steady_clock::time_point began, std::function<int()> coordinator_pid);
  ~AnomalySampler();
  void start();
  SamplerResult stop();  // joins the thread

 private:
  struct Sessions;
  void loop();
  std::optional<int> snapshot_pass(Sessions& s, std::int64_t from);
  std::optional<int> locking_pass(Sessions& s, std::int64_t from, bool* blocked);
  void record(std::map<std::string, double>& open, const std::vector<std::string>& now_wrong,
              double at, double* longest, std::string* subject);

  const harness::LocalPair& pair_;
  SamplerOptions options_;
  std::chrono::steady_clock::time_point began_;
  std::function<int()> coordinator_pid_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  SamplerResult result_;
  std::vector<std::string> last_snapshot_subjects_, last_locking_subjects_;
};

}  // namespace xacoord::compare
