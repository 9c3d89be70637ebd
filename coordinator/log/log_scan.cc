#include "coordinator/log/log_scan.h"

#include <algorithm>

#include "coordinator/log/log_format.h"

namespace xacoord::dlog {
namespace {

bool begins_with_checkpoint(const SegmentScan& scan) {
  return !scan.records.empty() &&
         std::holds_alternative<CheckpointRecord>(scan.records.front().record);
}

}  // namespace

LogCorrupt::LogCorrupt(const std::string& path, std::uint64_t offset, const std::string& reason)
    : std::runtime_error(path + ": corrupt at offset " + std::to_string(offset) + ": " + reason),
      path_(path),
      offset_(offset) {}

LogScan scan_log(FileSystem& fs, const std::string& dir) {
  LogScan result;
  std::vector<std::uint64_t> numbers;
  for (const auto& name : fs.list(dir)) {
    if (auto n = segment_number_of(name)) numbers.push_back(*n);
  }
  std::sort(numbers.begin(), numbers.end());
  for (std::size_t i = 1; i < numbers.size(); ++i) {
    if (numbers[i] != numbers[i - 1] + 1) {
      throw LogCorrupt(dir + "/" + segment_file_name(numbers[i - 1] + 1), 0,
                       "segment " + std::to_string(numbers[i - 1] + 1) + " is missing");
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
    const SegmentScan& scan = info.scan;

    if (scan.header_ok && scan.segment_number != info.number) {
      throw LogCorrupt(info.path, 0, "header names segment " + std::to_string(scan.segment_number));
    }
    if (scan.damage && (!newest || scan.damage->valid_frame_after)) {
      throw LogCorrupt(info.path, scan.damage->offset, scan.damage->reason);
    }
    if (!begins_with_checkpoint(scan)) {
      if (!newest || !scan.records.empty()) {
        throw LogCorrupt(info.path, scan.header_ok ? kHeaderSize : 0,
                         "segment does not begin with a checkpoint");
      }
      // The newest segment never got its checkpoint: a crash while it was being created.
      // Nothing in it was ever acknowledged; the previous segment still holds everything.
      result.repairs.push_back({Repair::Kind::kRemove, info.path, 0,
                                scan.damage ? scan.damage->reason : "no checkpoint"});
      result.segments.push_back(std::move(info));
      continue;
    }
    if (scan.damage) {
      result.repairs.push_back({Repair::Kind::kTruncate, info.path, scan.valid_bytes,
                                "torn tail at offset " + std::to_string(scan.damage->offset) +
                                    " (" + scan.damage->reason + ")"});
    }
    for (const auto& r : scan.records)
      result.state.apply(r.record);
    result.segments.push_back(std::move(info));
  }
  return result;
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
