// `xacoord log verify DIR` and `xacoord log dump DIR` look at a decision log without
// starting the coordinator and without changing it; `xacoord log salvage DIR` is the
// operator's way out of a corrupt one (docs/decision-log.md, "A damaged log").
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "coordinator/app/commands.h"
#include "coordinator/log/file_system.h"
#include "coordinator/log/log_format.h"
#include "coordinator/log/log_salvage.h"
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
    std::string damage;
    if (s.scan.damage) {
      damage = "  damage at offset " + std::to_string(s.scan.damage->offset) + ": " +
               s.scan.damage->reason;
    }
    std::printf("segment %llu  %s  %llu bytes  %zu records%s\n",
                static_cast<unsigned long long>(s.number), s.path.c_str(),
                static_cast<unsigned long long>(s.size), s.scan.records.size(), damage.c_str());
  }
  if (scan.corruption) return;  // the state and repairs of a corrupt log mean nothing
  for (const auto& r : scan.repairs) {
    std::string what = r.kind == dlog::Repair::Kind::kTruncate
                           ? "truncate " + r.path + " to " + std::to_string(r.offset) + " bytes"
                           : "remove " + r.path;
    std::printf("repair at next start: %s (%s)\n", what.c_str(), r.reason.c_str());
  }
  std::printf("epoch %llu, %zu commit decisions not finished, %zu heuristic decisions\n",
              static_cast<unsigned long long>(scan.state.epoch()), scan.state.open().size(),
              scan.state.heuristics().size());
}

void print_corrupt(const dlog::Corruption& c, const std::string& dir) {
  std::printf("CORRUPT: %s\n", c.describe().c_str());
  std::printf(
      "The coordinator will not start on this log. See docs/decision-log.md (\"A damaged log: "
      "the way out\"); `xacoord log salvage --dry-run %s` shows what could be kept.\n",
      dir.c_str());
}

int verify_or_dump(dlog::FileSystem& fs, const std::string& dir, bool dump) {
  dlog::LogScan scan = dlog::inspect_log(fs, dir);
  if (dump) {
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
  if (scan.corruption) {
    print_corrupt(*scan.corruption, dir);
    return 1;
  }
  std::printf("%s\n", scan.repairs.empty()
                          ? "OK"
                          : "OK (a torn tail from a crash; the next start repairs it)");
  return 0;
}

int salvage(dlog::FileSystem& fs, const std::string& dir, bool dry_run) {
  dlog::SalvagePlan plan = dlog::plan_salvage(fs, dir);
  if (!plan.corruption) {
    std::printf("The log is readable: nothing to salvage (`xacoord log verify %s`).\n",
                dir.c_str());
    return 0;
  }
  std::printf("CORRUPT: %s\n", plan.corruption->describe().c_str());
  for (const auto& s : plan.segments) {
    std::printf("segment %llu  %s  %llu bytes: %zu records readable\n",
                static_cast<unsigned long long>(s.number), s.path.c_str(),
                static_cast<unsigned long long>(s.size), s.records);
    for (const auto& r : s.skipped) {
      std::printf("  lost bytes %llu..%llu (%s)\n", static_cast<unsigned long long>(r.begin),
                  static_cast<unsigned long long>(r.end), r.reason.c_str());
    }
  }
  std::printf(
      "Salvage keeps %zu unfinished commit decisions and %zu heuristic decisions, epoch "
      "%llu; %llu damaged bytes are lost, with any decision that was in them.\n",
      plan.state.open().size(), plan.state.heuristics().size(),
      static_cast<unsigned long long>(plan.state.epoch()),
      static_cast<unsigned long long>(plan.skipped_bytes()));
  // The operator compares these with XA RECOVER: a prepared branch of ours that is not
  // here has no decision any more, and recovery will roll it back.
  for (const auto& [txn_id, decision] : plan.state.open())
    std::printf("  keeps the commit decision of %s\n", txn_id.c_str());
  if (dry_run) {
    std::printf(
        "Dry run: nothing changed. Without --dry-run, %s gets the salvaged state and the "
        "old segments move to %s.\n",
        (dir + "/" + dlog::segment_file_name(plan.new_segment_number)).c_str(),
        plan.quarantine_dir.c_str());
    return 0;
  }
  dlog::apply_salvage(fs, dir, plan);
  std::printf(
      "Salvaged: new segment %s; the old segments are in %s, unchanged.\n"
      "Before `xacoord serve`: a decision lost in the damage may have left a branch prepared\n"
      "that recovery would roll back. Check XA RECOVER on both databases and `xacoord "
      "reconcile`\n(docs/decision-log.md, \"A damaged log: the way out\").\n",
      (dir + "/" + dlog::segment_file_name(plan.new_segment_number)).c_str(),
      plan.quarantine_dir.c_str());
  return 0;
}

}  // namespace

int log_command(int argc, char** argv) {
  const char* usage =
      "usage: xacoord log verify DIR | xacoord log dump DIR | xacoord log salvage [--dry-run] "
      "DIR\n";
  std::vector<std::string> args(argv + 2, argv + argc);
  for (const auto& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage, stdout);
      std::fputs(
          "  verify DIR   checks every frame's checksum; exit 0 when readable (a torn tail "
          "included), 1 when corrupt\n"
          "  dump DIR     prints every record, one JSON object a line\n"
          "  salvage DIR  rebuilds a damaged log from every readable frame so the coordinator "
          "can start (docs/decision-log.md, \"A damaged log\"); --dry-run prints what it "
          "would keep and lose, and changes nothing\n"
          "  no flags read the environment\n",
          stdout);
      return 0;
    }
    if (arg.starts_with("--") && arg != "--dry-run") {
      std::fprintf(stderr, "xacoord log: unknown flag %s\n%s", arg.c_str(), usage);
      return 2;
    }
  }
  bool dry_run = false;
  if (args.size() == 3 && args[0] == "salvage" && args[1] == "--dry-run") {
    dry_run = true;
    args.erase(args.begin() + 1);
  }
  if (args.size() != 2 || (args[0] != "verify" && args[0] != "dump" && args[0] != "salvage")) {
    std::fputs(usage, stderr);
    return 2;
  }
  const std::string& verb = args[0];
  const std::string& dir = args[1];
  auto& fs = dlog::posix_file_system();
  if (!fs.exists(dir)) {
    std::fprintf(stderr, "xacoord log: %s does not exist\n", dir.c_str());
    return 1;
  }
  try {
    if (verb == "salvage") return salvage(fs, dir, dry_run);
    return verify_or_dump(fs, dir, verb == "dump");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xacoord log: %s\n", e.what());
    return 1;
  }
}

}  // namespace xacoord
