// The clients of a chaos run: many threads racing pay and cancel on shared orders. After
// an error or a 503 a client retries with the same Idempotency-Key until it gets a
// definite answer (2xx or 4xx), as a careful real client would.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "coordinator/client/http_client.h"

namespace xacoord::chaos {

struct Op {
  std::int64_t order_id = 0;
  bool pay = true;
  std::string key;
  int attempts = 0;
  int status = 0;         // the definite answer; 0 if none came
  std::string txn_id;     // of a 200
  bool refunded = false;  // of a cancel's 200
  double sent_at = 0;     // seconds since the run began
  double answered_at = 0;
};

struct WorkloadOptions {
  int clients = 8;
  std::chrono::milliseconds duration{4000};  // new operations start only within this
  std::chrono::milliseconds settle{30000};   // how long a started operation may keep retrying
  std::uint64_t seed = 1;
  std::string key_prefix;
  double pay_share = 0.6;
};

class Workload {
 public:
  Workload(WorkloadOptions options, std::vector<std::int64_t> orders,
           std::function<HttpClient()> connect);
  // Runs every client to the end; returns every operation (with or without an answer).
  std::vector<Op> run(std::chrono::steady_clock::time_point began);
  // Answered operations so far, for the progress bar.
  std::size_t answered() const { return answered_.load(); }

 private:
  void client(int index, std::chrono::steady_clock::time_point began, std::vector<Op>& out);

  WorkloadOptions options_;
  std::vector<std::int64_t> orders_;
  std::function<HttpClient()> connect_;
  std::atomic<std::size_t> answered_{0};
};

}  // namespace xacoord::chaos
