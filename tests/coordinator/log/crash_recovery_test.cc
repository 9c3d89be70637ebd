// A crash at any moment, as the file system sees it: whatever the log acknowledged as
// durable comes back, in order, and nothing else but whole records that happened to reach
// the disk. Damage at the tail of the newest segment is a torn write and is cut away
// before the log appends again.
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "coordinator/log/decision_log.h"
#include "tests/coordinator/log/log_test_util.h"
#include "tests/coordinator/log/memory_file_system.h"

namespace xacoord::dlog::test {
namespace {

Options surviving(Options o = {}) {
  o.on_fatal = [](const std::string&) {};
  return o;
}

// A log with `acknowledged` durable records, and then one batch of `in_flight` records
// written but not yet synced: the moment of a crash, frozen in `at_crash`.
struct FrozenCrash {
  std::vector<LogRecord> acknowledged;
  std::vector<LogRecord> in_flight;
  std::unique_ptr<MemoryFileSystem> at_crash;
  std::string segment_path;
};

FrozenCrash freeze_crash(std::vector<LogRecord> acknowledged, std::vector<LogRecord> in_flight) {
  FrozenCrash frozen;
  // The writer is held in the fdatasync of one more record while the in-flight records
  // queue up, so that they form a single batch: the last write. Its fdatasync is where
  // the snapshot is taken. (Declared first: the log, destroyed first, uses them.)
  std::mutex mutex;
  std::condition_variable changed;
  int syncs = 0;
  bool release = false;
  MemoryFileSystem fs;
  auto log = DecisionLog::open(fs, "/log", surviving());
  for (const auto& r : acknowledged)
    EXPECT_TRUE(log->append_and_wait(r));
  fs.set_before_sync([&](const std::string& path) {
    std::unique_lock lock(mutex);
    if (++syncs == 2) {
      frozen.at_crash = fs.snapshot();
      frozen.segment_path = path;
    }
    changed.notify_all();
    changed.wait(lock, [&] { return release; });
  });
  const LogRecord gate = decision("7-7-7");
  log->append(gate);
  {
    std::unique_lock lock(mutex);
    if (!changed.wait_for(lock, std::chrono::seconds(10), [&] { return syncs == 1; })) {
      ADD_FAILURE() << "the writer never reached fdatasync";
      release = true;
      changed.notify_all();
      return frozen;
    }
  }
  for (const auto& r : in_flight)
    log->append(r);
  while (log->queued() < in_flight.size())
    std::this_thread::yield();
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  changed.notify_all();
  log.reset();
  acknowledged.push_back(gate);
  frozen.acknowledged = std::move(acknowledged);
  frozen.in_flight = std::move(in_flight);
  return frozen;
}

std::size_t whole_frames_within(const std::vector<LogRecord>& records, std::size_t bytes) {
  std::size_t n = 0, used = 0;
  for (const auto& r : records) {
    used += encode_frame(r).size();
    if (used > bytes) break;
    ++n;
  }
  return n;
}

std::size_t frames_size(const std::vector<LogRecord>& records) {
  std::size_t n = 0;
  for (const auto& r : records)
    n += encode_frame(r).size();
  return n;
}

TEST(CrashRecovery, UnsyncedBytesLostAllAcknowledgedRecordsBack) {
  auto frozen = freeze_crash(workload(10), workload(6, 100));
  ASSERT_TRUE(frozen.at_crash);
  auto scan = scan_log(*frozen.at_crash->crash_image(), "/log");
  EXPECT_EQ(summaries(records_of(scan)), summaries(frozen.acknowledged));
  EXPECT_EQ(records_of(scan), frozen.acknowledged);
  EXPECT_TRUE(scan.repairs.empty());
}

// The last write torn at every byte, with the rest of it gone or left as garbage: recovery
// returns the acknowledged records plus every whole record that made it, in order.
TEST(CrashRecovery, LastWriteTornAtEveryByte) {
  auto frozen = freeze_crash(workload(8), workload(5, 100));
  ASSERT_TRUE(frozen.at_crash);
  const std::size_t unsynced = frames_size(frozen.in_flight);
  ASSERT_GT(unsynced, 0u);
  for (std::optional<char> fill :
       {std::optional<char>{}, std::optional<char>{'\0'}, std::optional<char>{'\xa5'}}) {
    for (std::size_t keep = 0; keep <= unsynced; ++keep) {
      SCOPED_TRACE("kept " + std::to_string(keep) + " of " + std::to_string(unsynced) +
                   " unsynced bytes, fill " + (fill ? std::to_string(int(*fill)) : "none"));
      auto image = frozen.at_crash->crash_image(Tear{frozen.segment_path, keep, fill});
      std::vector<LogRecord> expected = frozen.acknowledged;
      std::size_t whole = whole_frames_within(frozen.in_flight, keep);
      expected.insert(expected.end(), frozen.in_flight.begin(), frozen.in_flight.begin() + whole);

      auto scan = scan_log(*image, "/log");
      ASSERT_EQ(records_of(scan), expected)
          << ::testing::PrintToString(summaries(records_of(scan)));
      const std::size_t on_disk = fill ? unsynced : keep;
      const std::size_t whole_bytes = frames_size(
          std::vector<LogRecord>(frozen.in_flight.begin(), frozen.in_flight.begin() + whole));
      EXPECT_EQ(!scan.repairs.empty(), on_disk > whole_bytes) << "a repair iff bytes are left over";

      // The start cuts the torn tail away before writing; what it appends comes back after
      // exactly the expected records.
      {
        auto log = DecisionLog::open(*image, "/log", surviving());
        ASSERT_TRUE(log->append_and_wait(decision("9-9-9")));
      }
      auto again = scan_log(*image, "/log");
      EXPECT_TRUE(again.repairs.empty());
      expected.push_back(decision("9-9-9"));
      EXPECT_TRUE(same_decisions(again.state, fold(expected)));
      EXPECT_TRUE(same_decisions(scan_log(*image->crash_image(), "/log").state, fold(expected)))
          << "the repair and the new segment must be durable";
    }
  }
}

// The torn tail must be cut (and synced) before the new segment exists: if the start that
// repairs it crashes after creating the new segment and before removing the old one, the
// old segment is no longer the newest, and a torn tail there would be corruption.
TEST(CrashRecovery, CrashWhileRepairingATornTail) {
  auto frozen = freeze_crash(workload(8), workload(5, 100));
  ASSERT_TRUE(frozen.at_crash);
  const std::size_t keep = frames_size(frozen.in_flight) / 2;
  std::vector<LogRecord> expected = frozen.acknowledged;
  std::size_t whole = whole_frames_within(frozen.in_flight, keep);
  expected.insert(expected.end(), frozen.in_flight.begin(), frozen.in_flight.begin() + whole);
  auto torn = frozen.at_crash->crash_image(Tear{frozen.segment_path, keep, '\0'});
  ASSERT_FALSE(scan_log(*torn, "/log").repairs.empty());

  std::uint64_t total = 0;
  {
    auto image = torn->snapshot();
    DecisionLog::open(*image, "/log", surviving());
    total = image->operations();
  }
  for (std::uint64_t n = 1; n <= total; ++n) {
    SCOPED_TRACE("crash at operation " + std::to_string(n) + " of " + std::to_string(total));
    auto image = torn->snapshot();
    image->crash_at_operation(n);
    EXPECT_THROW(DecisionLog::open(*image, "/log", surviving()), SimulatedCrash);
    auto after = image->crash_image();
    std::unique_ptr<DecisionLog> log;
    ASSERT_NO_THROW(log = DecisionLog::open(*after, "/log", surviving()));
    EXPECT_TRUE(same_decisions(log->state(), fold(expected)));
  }
}

// The workload: two runs of the coordinator, with rotations. `acknowledged` collects what
// append_and_wait confirmed; `epochs` the epochs the runs handed out.
struct RunResult {
  std::vector<LogRecord> acknowledged;
  std::vector<std::uint64_t> epochs;
};

RunResult run_workload(MemoryFileSystem& fs) {
  RunResult result;
  Options options = surviving();
  options.segment_bytes = 4096;
  options.max_batch_bytes = 600;
  try {
    for (int run = 0; run < 2; ++run) {
      auto log = DecisionLog::open(fs, "/log", options);
      result.epochs.push_back(log->epoch());
      for (const auto& r : workload(40, 1 + run * 1000)) {
        if (!log->append_and_wait(r)) return result;
        result.acknowledged.push_back(r);
      }
    }
  } catch (const SimulatedCrash&) {
    // open() itself crashed
  }
  return result;
}

TEST(CrashRecovery, CrashAtEveryFileSystemOperation) {
  std::uint64_t total = 0;
  {
    MemoryFileSystem fs;
    auto result = run_workload(fs);
    ASSERT_EQ(result.acknowledged.size(), 2 * workload(40).size());
    total = fs.operations();
    auto scan = scan_log(fs, "/log");
    ASSERT_TRUE(same_decisions(scan.state, fold(result.acknowledged)));
  }
  ASSERT_GT(total, 100u);
  // n = total + 1: the crash comes after the workload ended.
  for (std::uint64_t n = 1; n <= total + 1; ++n) {
    SCOPED_TRACE("crash at operation " + std::to_string(n) + " of " + std::to_string(total));
    MemoryFileSystem fs;
    fs.crash_at_operation(n);
    auto result = run_workload(fs);
    ASSERT_EQ(fs.crashed(), n <= total);
    auto image = fs.crash_image();
    std::unique_ptr<DecisionLog> log;
    ASSERT_NO_THROW(log = DecisionLog::open(*image, "/log", surviving()));
    ASSERT_TRUE(same_decisions(log->state(), fold(result.acknowledged)))
        << "recovered " << ::testing::PrintToString(open_ids(log->state())) << ", acknowledged "
        << ::testing::PrintToString(open_ids(fold(result.acknowledged)));
    for (auto e : result.epochs)
      EXPECT_GT(log->epoch(), e) << "an epoch was handed out twice";
  }
}

}  // namespace
}  // namespace xacoord::dlog::test
