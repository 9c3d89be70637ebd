// The fuzzer's seed corpus: segments as the decision log writes them (every record type, a
// checkpoint with open decisions and heuristics), and a torn one.
#include <fstream>
#include <string>
#include <vector>

#include "coordinator/log/log_format.h"
#include "fuzz/log/seeds.h"
#include "protocol/txn_id.h"

namespace xacoord::fuzz {
namespace {

CommitDecision decision(const std::string& id) {
  CommitDecision d{id, 1'700'000'000'000, {}};
  d.branches.push_back({"orders", Xid{kXacoordFormatId, "xacoord:" + id, "orders"}});
  d.branches.push_back({"payments", Xid{kXacoordFormatId, "xacoord:" + id, "payments"}});
  return d;
}

std::string segment(std::uint64_t number, const std::vector<LogRecord>& records) {
  std::string bytes = dlog::encode_header(number);
  for (const auto& r : records)
    bytes += dlog::encode_frame(r);
  return bytes;
}

void write(const std::string& dir, const std::string& name, const std::string& bytes) {
  std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
}

}  // namespace

void write_seeds(const std::string& dir) {
  HeuristicRecord heuristic{"n1-3-9", false, 1'700'000'000'123, "operator: stuck",
                            decision("n1-3-9").branches};
  std::vector<LogRecord> records{
      CheckpointRecord{3, {decision("n1-2-7"), decision("n1-2-8")}, {heuristic}},
      decision("n1-3-1"),
      FinishedRecord{"n1-3-1"},
      decision("n1-3-2"),
      heuristic,
      FinishedRecord{"n1-2-7"},
  };
  const std::string full = segment(5, records);
  write(dir, "seed-segment", full);
  write(dir, "seed-torn", full.substr(0, full.size() - 7));
  write(dir, "seed-fresh", segment(1, {CheckpointRecord{1, {}, {}}}));
  write(dir, "seed-header", dlog::encode_header(2));
}

}  // namespace xacoord::fuzz
