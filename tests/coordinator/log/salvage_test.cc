// `xacoord log salvage`: keeps every readable record of a corrupt log, writes it as a clean
// newest segment, moves the old segments aside untouched, and survives its own crash.
#include "coordinator/log/log_salvage.h"

#include <gtest/gtest.h>

#include "coordinator/log/decision_log.h"
#include "tests/coordinator/log/log_test_util.h"
#include "tests/coordinator/log/memory_file_system.h"

namespace xacoord::dlog::test {
namespace {

const std::string kDir = "/log";

std::string path_of(std::uint64_t number) {
  return kDir + "/" + segment_file_name(number);
}

// Segment 3 (older, intact) and segment 4 (newest) with a damaged COMMIT of 1-1-14 in the
// middle, good records after it.
void put_corrupt_log(MemoryFileSystem& fs) {
  fs.put_durable_file(path_of(3), segment(3, {CheckpointRecord{1, {}, {}}, decision(txn(1))}));
  std::vector<LogRecord> records{CheckpointRecord{2, {decision(txn(1))}, {}},
                                 decision(txn(12)),
                                 decision(txn(13)),
                                 decision(txn(14)),
                                 decision(txn(15)),
                                 finished(txn(12))};
  std::string bytes = segment(4, records);
  std::size_t damaged = kHeaderSize;
  for (std::size_t i = 0; i < 3; ++i)
    damaged += encode_frame(records[i]).size();
  bytes[damaged + 20] ^= 0x10;
  fs.put_durable_file(path_of(4), bytes);
}

TEST(Salvage, KeepsEveryReadableDecisionAndLosesOnlyTheDamagedOne) {
  MemoryFileSystem fs;
  put_corrupt_log(fs);
  const std::string old4 = fs.contents(path_of(4));
  auto plan = plan_salvage(fs, kDir);
  ASSERT_TRUE(plan.corruption);
  EXPECT_EQ(plan.corruption->path, path_of(4));
  EXPECT_EQ(open_ids(plan.state), (std::vector<std::string>{txn(1), txn(13), txn(15)}));
  EXPECT_EQ(plan.state.epoch(), 4u) << "no lower than the newest segment's number";
  EXPECT_EQ(plan.new_segment_number, 5u);
  EXPECT_EQ(plan.skipped_bytes(), encode_frame(decision(txn(14))).size());

  apply_salvage(fs, kDir, plan);
  EXPECT_EQ(fs.file_paths(),
            (std::vector<std::string>{kDir + "/damaged-5/" + segment_file_name(3),
                                      kDir + "/damaged-5/" + segment_file_name(4), path_of(5)}));
  EXPECT_EQ(fs.contents(kDir + "/damaged-5/" + segment_file_name(4)), old4) << "kept untouched";

  auto scan = scan_log(fs, kDir);
  EXPECT_TRUE(same_decisions(scan.state, plan.state));
  auto log = DecisionLog::open(fs, kDir);
  EXPECT_EQ(log->epoch(), 5u);
  EXPECT_EQ(open_ids(log->state()), (std::vector<std::string>{txn(1), txn(13), txn(15)}));
}

TEST(Salvage, ReadableLogNeedsNoSalvage) {
  MemoryFileSystem fs;
  fs.put_durable_file(path_of(1),
                      segment(1, {CheckpointRecord{1, {}, {}}, decision(txn(1))}) + "xx");
  auto plan = plan_salvage(fs, kDir);
  EXPECT_FALSE(plan.corruption) << "a torn tail is the next start's job";
  EXPECT_THROW(apply_salvage(fs, kDir, plan), std::logic_error);
}

TEST(Salvage, RefusesALogThatIsOpen) {
  MemoryFileSystem fs;
  put_corrupt_log(fs);
  auto plan = plan_salvage(fs, kDir);
  auto held = fs.lock(kDir + "/LOCK");
  EXPECT_THROW(apply_salvage(fs, kDir, plan), std::runtime_error);
}

TEST(Salvage, CrashAtEveryStepThenRunningItAgainEndsClean) {
  std::uint64_t total = 0;
  DecisionState expected;
  {
    MemoryFileSystem fs;
    put_corrupt_log(fs);
    auto plan = plan_salvage(fs, kDir);
    expected = plan.state;
    auto before = fs.operations();
    apply_salvage(fs, kDir, plan);
    total = fs.operations() - before;
  }
  // n = total + 1: the crash comes right after salvage returned.
  for (std::uint64_t n = 1; n <= total + 1; ++n) {
    SCOPED_TRACE("crash at step " + std::to_string(n) + " of " + std::to_string(total));
    MemoryFileSystem fs;
    put_corrupt_log(fs);
    const std::vector<std::string> originals{fs.contents(path_of(3)), fs.contents(path_of(4))};
    auto plan = plan_salvage(fs, kDir);
    fs.crash_at_operation(n);
    if (n <= total) {
      EXPECT_THROW(apply_salvage(fs, kDir, plan), SimulatedCrash);
    } else {
      apply_salvage(fs, kDir, plan);
    }
    auto image = fs.crash_image();
    auto again = plan_salvage(*image, kDir);
    EXPECT_EQ(!again.corruption, n > total) << "a finished salvage must leave a readable log";
    if (again.corruption) apply_salvage(*image, kDir, again);
    LogScan scan;
    ASSERT_NO_THROW(scan = scan_log(*image, kDir));
    EXPECT_TRUE(same_decisions(scan.state, expected))
        << ::testing::PrintToString(open_ids(scan.state));
    EXPECT_GE(scan.state.epoch(), expected.epoch());
    // The damaged segments are kept, whatever happened.
    for (const auto& original : originals) {
      bool kept = false;
      for (const auto& p : image->file_paths())
        kept = kept || image->contents(p) == original;
      EXPECT_TRUE(kept) << "a damaged segment was lost";
    }
  }
}

}  // namespace
}  // namespace xacoord::dlog::test
