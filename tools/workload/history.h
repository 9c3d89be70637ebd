// The clients' record of what they asked and what they were answered. The history checker
// (tools/chaos/history_check.h) holds it against the databases' final state: invariant 5 of
// docs/reliability.md, what was acknowledged stays.
#pragma once

#include <cstdint>
#include <string>

namespace xacoord::workload {

// Why a client sent the request (docs/reliability.md, "The workload").
enum class Purpose {
  kRace,     // the pay or the cancel of a fresh order, sent at the same instant as the other
  kRepeat,   // the pay again with the same Idempotency-Key: must get the first answer
  kLatePay,  // a pay with a new key once the order is final: must be refused
};

struct Op {
  std::int64_t order_id = 0;
  bool pay = true;
  Purpose purpose = Purpose::kRace;
  std::string key;  // its Idempotency-Key, the same on every attempt
  int attempts = 0;
  int status = 0;         // the definite answer; 0 if none came
  std::string txn_id;     // of a 200 (or a pay's 202)
  bool refunded = false;  // of a cancel's 200
  double sent_at = 0;     // seconds since the run began
  double answered_at = 0;
};

}  // namespace xacoord::workload
