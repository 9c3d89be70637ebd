// Records, segments and comparisons shared by the decision log's tests.
#pragma once

#include <string>
#include <vector>

#include "coordinator/log/log_format.h"
#include "coordinator/log/log_scan.h"
#include "protocol/decision_state.h"
#include "protocol/log_record.h"
#include "protocol/txn_id.h"

namespace xacoord::dlog::test {

inline CommitDecision decision(const std::string& txn_id) {
  CommitDecision d{txn_id, 1'700'000'000'000, {}};
  d.branches.push_back({"orders", Xid{kXacoordFormatId, "xacoord:" + txn_id, "orders"}});
  d.branches.push_back({"payments", Xid{kXacoordFormatId, "xacoord:" + txn_id, "payments"}});
  return d;
}

inline FinishedRecord finished(const std::string& txn_id) {
  return FinishedRecord{txn_id};
}

// "1-1-<n>": a transaction id of node 1, epoch 1.
inline std::string txn(int n) {
  return "1-1-" + std::to_string(n);
}

// A mix of decisions and FINISHED records: every third transaction stays open.
inline std::vector<LogRecord> workload(int transactions, int first = 1) {
  std::vector<LogRecord> out;
  for (int i = first; i < first + transactions; ++i) {
    out.push_back(decision(txn(i)));
    if (i % 3 != 0) out.push_back(finished(txn(i)));
  }
  return out;
}

// A whole segment: header, then one frame per record.
inline std::string segment(std::uint64_t number, const std::vector<LogRecord>& records) {
  std::string bytes = encode_header(number);
  for (const auto& r : records)
    bytes += encode_frame(r);
  return bytes;
}

inline std::string summary(const LogRecord& record) {
  struct {
    std::string operator()(const CommitDecision& r) { return "COMMIT " + r.txn_id; }
    std::string operator()(const FinishedRecord& r) { return "FINISHED " + r.txn_id; }
    std::string operator()(const HeuristicRecord& r) { return "HEURISTIC " + r.txn_id; }
    std::string operator()(const CheckpointRecord& r) {
      return "CHECKPOINT epoch " + std::to_string(r.epoch) + ", " + std::to_string(r.open.size()) +
             " open";
    }
  } visitor;
  return std::visit(visitor, record);
}

inline std::vector<std::string> summaries(const std::vector<LogRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records)
    out.push_back(summary(r));
  return out;
}

// Every record of a scan but the checkpoints, in log order.
inline std::vector<LogRecord> records_of(const LogScan& scan) {
  std::vector<LogRecord> out;
  for (const auto& s : scan.segments) {
    for (const auto& r : s.scan.records) {
      if (!std::holds_alternative<CheckpointRecord>(r.record)) out.push_back(r.record);
    }
  }
  return out;
}

inline DecisionState fold(const std::vector<LogRecord>& records) {
  DecisionState state;
  for (const auto& r : records)
    state.apply(r);
  return state;
}

// What recovery needs from a state: the open decisions and heuristics (not the epoch).
inline std::vector<std::string> open_ids(const DecisionState& state) {
  std::vector<std::string> ids;
  for (const auto& [id, d] : state.open())
    ids.push_back(id);
  for (const auto& [id, h] : state.heuristics())
    ids.push_back("heuristic " + id);
  return ids;
}

inline bool same_decisions(const DecisionState& a, const DecisionState& b) {
  CheckpointRecord x = a.checkpoint(), y = b.checkpoint();
  x.epoch = y.epoch = 0;
  return x == y;
}

}  // namespace xacoord::dlog::test
