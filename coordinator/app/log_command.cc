// `xacoord log verify DIR` and `xacoord log dump DIR`: look at a decision log without
// starting the coordinator (and without changing the log).
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "coordinator/app/commands.h"
#include "coordinator/log/file_system.h"
#include "coordinator/log/log_scan.h"

namespace xacoord {
namespace {

nlohmann::json branches_json(const std::vector<BranchRef>& branches) {
  auto out = nlohmann::json::array();
  for (const auto& b : branches)
    out.push_back({{"participant", b.participant}, {"xid", b.xid.to_string()}});
  return out;
}

nlohmann::json record_json(const LogRecord& record) {
  struct {
    nlohmann::json operator()(const CommitDecision& r) {
      return {{"txn_id", r.txn_id},
              {"decided_at_ms", r.decided_at_ms},
              {"branches", branches_json(r.branches)}};
    }
    nlohmann::json operator()(const FinishedRecord& r) { return {{"txn_id", r.txn_id}}; }
    nlohmann::json operator()(const HeuristicRecord& r) {
      return {{"txn_id", r.txn_id},
              {"outcome", r.commit ? "commit" : "rollback"},
              {"at_ms", r.at_ms},
              {"reason", r.reason},
              {"branches", branches_json(r.branches)}};
    }
    nlohmann::json operator()(const CheckpointRecord& r) {
      auto open = nlohmann::json::array();
      for (const auto& d : r.open)
        open.push_back(d.txn_id);
      return {{"epoch", r.epoch}, {"open", open}, {"heuristics", r.heuristics.size()}};
    }
  } visitor;
  return std::visit(visitor, record);
}

void print_summary(const dlog::LogScan& scan) {
  for (const auto& s : scan.segments) {
    std::printf("segment %llu  %s  %llu bytes  %zu records%s\n",
                static_cast<unsigned long long>(s.number), s.path.c_str(),
                static_cast<unsigned long long>(s.size), s.scan.records.size(),
                s.scan.damage ? ("  damage at " + std::to_string(s.scan.damage->offset) + ": " +
                                 s.scan.damage->reason)
                                    .c_str()
                              : "");
  }
  for (const auto& r : scan.repairs) {
    std::printf("repair at next start: %s %s%s (%s)\n",
                r.kind == dlog::Repair::Kind::kTruncate ? "truncate" : "remove", r.path.c_str(),
                r.kind == dlog::Repair::Kind::kTruncate
                    ? (" to " + std::to_string(r.offset) + " bytes").c_str()
                    : "",
                r.reason.c_str());
  }
  std::printf("epoch %llu, %zu commit decisions not finished, %zu heuristic decisions\n",
              static_cast<unsigned long long>(scan.state.epoch()), scan.state.open().size(),
              scan.state.heuristics().size());
}

}  // namespace

int log_command(int argc, char** argv) {
  const char* usage = "usage: xacoord log verify DIR | xacoord log dump DIR\n";
  if (argc != 4) {
    std::fputs(usage, stderr);
    return 2;
  }
  std::string verb = argv[2], dir = argv[3];
  if (verb != "verify" && verb != "dump") {
    std::fputs(usage, stderr);
    return 2;
  }
  auto& fs = dlog::posix_file_system();
  if (!fs.exists(dir)) {
    std::fprintf(stderr, "xacoord log: %s does not exist\n", dir.c_str());
    return 1;
  }
  try {
    dlog::LogScan scan = dlog::scan_log(fs, dir);
    if (verb == "dump") {
      for (const auto& s : scan.segments) {
        for (const auto& r : s.scan.records) {
          nlohmann::json line{{"segment", s.number},
                              {"offset", r.offset},
                              {"type", std::string(name_of(type_of(r.record)))}};
          line.update(record_json(r.record));
          std::printf("%s\n", line.dump().c_str());
        }
      }
    }
    print_summary(scan);
    std::printf("%s\n", scan.repairs.empty()
                            ? "OK"
                            : "OK (a torn tail from a crash; the next start repairs it)");
    return 0;
  } catch (const dlog::LogCorrupt& e) {
    std::printf("CORRUPT: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xacoord log: %s\n", e.what());
    return 1;
  }
}

}  // namespace xacoord
