#include "coordinator/log/log_salvage.h"

#include <algorithm>
#include <stdexcept>

#include "coordinator/log/log_format.h"

namespace xacoord::dlog {

std::uint64_t SalvagePlan::skipped_bytes() const {
  std::uint64_t n = 0;
  for (const auto& s : segments) {
    for (const auto& r : s.skipped)
      n += r.end - r.begin;
  }
  return n;
}

SalvagePlan plan_salvage(FileSystem& fs, const std::string& dir) {
  SalvagePlan plan;
  plan.corruption = inspect_log(fs, dir).corruption;
  std::vector<std::uint64_t> numbers;
  for (const auto& name : fs.list(dir)) {
    if (auto n = segment_number_of(name)) numbers.push_back(*n);
  }
  std::sort(numbers.begin(), numbers.end());
  std::uint64_t max_epoch = 0;
  for (std::uint64_t number : numbers) {
    SalvagedSegmentReport report;
    report.number = number;
    report.path = dir + "/" + segment_file_name(number);
    std::string bytes = fs.read_all(report.path);
    report.size = bytes.size();
    SalvagedSegment segment = salvage_segment(bytes);
    report.records = segment.records.size();
    report.skipped = std::move(segment.skipped);
    for (const auto& r : segment.records) {
      plan.state.apply(r.record);
      if (auto* c = std::get_if<CheckpointRecord>(&r.record)) {
        max_epoch = std::max(max_epoch, c->epoch);
      }
    }
    plan.segments.push_back(std::move(report));
  }
  const std::uint64_t newest = numbers.empty() ? 0 : numbers.back();
  plan.state.set_epoch(std::max(max_epoch, newest));
  plan.new_segment_number = newest + 1;
  plan.quarantine_dir = dir + "/damaged-" + std::to_string(plan.new_segment_number);
  return plan;
}

void apply_salvage(FileSystem& fs, const std::string& dir, const SalvagePlan& plan) {
  if (!plan.corruption) throw std::logic_error("apply_salvage: the log is not corrupt");
  auto lock = fs.lock(dir + "/LOCK");
  if (!lock) throw std::runtime_error(dir + ": another xacoord has this decision log open");

  // The quarantine directory first: it changes nothing a start would read.
  fs.make_dirs(plan.quarantine_dir);
  // Then the salvaged state, as the newest segment, durable (file and directory, which
  // also makes the quarantine directory durable) before any old segment moves.
  std::string bytes = encode_header(plan.new_segment_number);
  bytes += encode_frame(plan.state.checkpoint());
  auto file = fs.create(dir + "/" + segment_file_name(plan.new_segment_number));
  file->append(bytes);
  file->sync();
  fs.sync_dir(dir);
  // Then the old segments, untouched, out of the way (a start would find them corrupt).
  for (const auto& s : plan.segments) {
    fs.rename(s.path, plan.quarantine_dir + "/" + segment_file_name(s.number));
  }
  fs.sync_dir(plan.quarantine_dir);
  fs.sync_dir(dir);
}

}  // namespace xacoord::dlog
