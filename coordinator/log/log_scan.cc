#include "coordinator/log/log_scan.h"

#include <algorithm>

#include "coordinator/log/log_format.h"

namespace xacoord::dlog {
namespace {

bool begins_with_checkpoint(const SegmentScan& scan) {
  return !scan.records.empty() &&
         std::holds_alternative<CheckpointRecord>(scan.records.front().record);
}

std::vector<std::uint64_t> segment_numbers(FileSystem& fs, const std::string& dir) {
  std::vector<std::uint64_t> numbers;
  for (const auto& name : fs.list(dir)) {
    if (auto n = segment_number_of(name)) numbers.push_back(*n);
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

// The rules of log_scan.h for one segment; nullopt when it obeys them. Adds the repair a
// torn newest segment needs.
std::optional<Corruption> check_segment(const SegmentInfo& info, bool newest, bool has_previous,
                                        std::vector<Repair>& repairs) {
  const SegmentScan& scan = info.scan;
  if (scan.header_ok && scan.segment_number != info.number) {
    return Corruption{info.path, 0, "header names segment " + std::to_string(scan.segment_number)};
  }
  if (scan.damage && (!newest || scan.damage->valid_frame_after)) {
    std::string reason = scan.damage->reason;
    if (scan.damage->valid_frame_after) reason += ", followed by good records";
    if (!newest) reason += ", in a segment that was complete before the next one began";
    return Corruption{info.path, scan.damage->offset, reason};
  }
  if (begins_with_checkpoint(scan)) {
    if (scan.damage) {
      repairs.push_back({Repair::Kind::kTruncate, info.path, scan.valid_bytes,
                         "torn tail at offset " + std::to_string(scan.damage->offset) + " (" +
                             scan.damage->reason + ")"});
    }
    return std::nullopt;
  }
  const std::uint64_t where = scan.header_ok ? kHeaderSize : 0;
  if (!newest || !scan.records.empty()) {
    return Corruption{info.path, where, "segment does not begin with a checkpoint"};
  }
  if (!has_previous && info.number != 1) {
    return Corruption{info.path, where,
                      "the only segment lost its checkpoint (" +
                          (scan.damage ? scan.damage->reason : std::string("no records")) + ")"};
  }
  // The newest segment never got its checkpoint: a crash while it was being created.
  // Nothing in it was ever acknowledged; the previous segment still holds everything.
  repairs.push_back({Repair::Kind::kRemove, info.path, 0,
                     "no checkpoint" + (scan.damage ? " (" + scan.damage->reason + ")" : "")});
  return std::nullopt;
}

LogScan read_log(FileSystem& fs, const std::string& dir, bool stop_at_corruption) {
  LogScan result;
  auto corrupt = [&](Corruption c) {
    if (stop_at_corruption) throw LogCorrupt(std::move(c));
    if (!result.corruption) result.corruption = std::move(c);
  };
  std::vector<std::uint64_t> numbers = segment_numbers(fs, dir);
  for (std::size_t i = 1; i < numbers.size(); ++i) {
    if (numbers[i] != numbers[i - 1] + 1) {
      const std::uint64_t missing = numbers[i - 1] + 1;
      corrupt({dir + "/" + segment_file_name(missing), 0,
               "segment " + std::to_string(missing) + " is missing"});
    }
  }
  if (!numbers.empty()) result.newest_number = numbers.back();

  for (std::size_t i = 0; i < numbers.size(); ++i) {
    SegmentInfo info;
    info.number = numbers[i];
    info.path = dir + "/" + segment_file_name(numbers[i]);
    std::string bytes = fs.read_all(info.path);
    info.size = bytes.size();
    info.scan = scan_segment(bytes);
    const bool newest = i + 1 == numbers.size();
    if (auto c = check_segment(info, newest, i > 0, result.repairs)) corrupt(std::move(*c));
    for (const auto& r : info.scan.records)
      result.state.apply(r.record);
    result.segments.push_back(std::move(info));
  }
  result.next_number = result.newest_number + 1;
  for (const auto& r : result.repairs) {
    if (r.kind == Repair::Kind::kRemove) result.next_number = result.newest_number;
  }
  return result;
}

}  // namespace

std::string Corruption::describe() const {
  return path + ": corrupt at offset " + std::to_string(offset) + ": " + reason;
}

LogCorrupt::LogCorrupt(Corruption corruption)
    : std::runtime_error(corruption.describe()), corruption_(std::move(corruption)) {}

LogScan scan_log(FileSystem& fs, const std::string& dir) {
  return read_log(fs, dir, /*stop_at_corruption=*/true);
}

LogScan inspect_log(FileSystem& fs, const std::string& dir) {
  return read_log(fs, dir, /*stop_at_corruption=*/false);
}

void apply_repairs(FileSystem& fs, const std::string& dir, const std::vector<Repair>& repairs) {
  bool removed = false;
  for (const auto& r : repairs) {
    if (r.kind == Repair::Kind::kTruncate) {
      fs.truncate(r.path, r.offset);
    } else {
      fs.remove(r.path);
      removed = true;
    }
  }
  if (removed) fs.sync_dir(dir);
}

}  // namespace xacoord::dlog
