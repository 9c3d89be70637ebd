// Bounded: segments rotate at their size limit, each new segment's checkpoint carries only
// unfinished decisions, and old segments go once the new one is durable. However long the
// coordinator runs, the log's size follows the transactions in flight.
#include <gtest/gtest.h>

#include "coordinator/log/decision_log.h"
#include "tests/coordinator/log/log_test_util.h"
#include "tests/coordinator/log/memory_file_system.h"

namespace xacoord::dlog::test {
namespace {

TEST(Rotation, CheckpointCarriesOnlyUnfinishedDecisions) {
  MemoryFileSystem fs;
  Options options;
  options.segment_bytes = 4096;
  options.max_batch_bytes = 512;
  {
    auto log = DecisionLog::open(fs, "/log", options);
    for (const auto& r : workload(300))
      log->append(r);
    ASSERT_TRUE(log->append_and_wait(finished(txn(3))));
  }
  auto scan = scan_log(fs, "/log");
  EXPECT_GT(scan.newest_number, 5u) << "the log should have rotated";
  ASSERT_EQ(scan.segments.size(), 1u) << "older segments are removed";
  // The newest segment: a checkpoint, then the records appended after it (a suffix of
  // what was appended). The checkpoint must hold exactly what was unfinished before them.
  std::vector<LogRecord> all = workload(300);
  all.push_back(finished(txn(3)));
  const auto& records = scan.segments[0].scan.records;
  ASSERT_TRUE(std::holds_alternative<CheckpointRecord>(records.at(0).record));
  const auto& checkpoint = std::get<CheckpointRecord>(records[0].record);
  const std::vector<LogRecord> before(all.begin(), all.end() - (records.size() - 1));
  EXPECT_EQ(open_ids(fold({CheckpointRecord{0, checkpoint.open, checkpoint.heuristics}})),
            open_ids(fold(before)));
  EXPECT_LT(checkpoint.open.size(), 110u) << "finished transactions were carried forward";
  EXPECT_TRUE(same_decisions(scan.state, fold(all)));
}

TEST(Rotation, LargeCheckpointIsNotRewrittenAfterEveryBatch) {
  MemoryFileSystem fs;
  Options options;
  options.segment_bytes = 4096;
  {
    auto log = DecisionLog::open(fs, "/log", options);
    for (int i = 0; i < 400; ++i)  // 400 open decisions: a checkpoint of ~36 KB
      log->append(decision(txn(i)));
  }
  const auto before = scan_log(fs, "/log").newest_number;
  {
    auto log = DecisionLog::open(fs, "/log", options);  // checkpoints the 400 decisions
    const auto checkpoint = log->stats().checkpoint_bytes;
    ASSERT_GT(checkpoint, 4 * options.segment_bytes);
    for (int i = 0; i < 50; ++i)  // 50 small batches, about 1 KB after the checkpoint
      ASSERT_TRUE(log->append_and_wait(finished(txn(1000 + i))));
  }
  EXPECT_EQ(scan_log(fs, "/log").newest_number, before + 1)
      << "small batches after a large checkpoint caused rotations";
}

// A million transactions, 64 in flight at any time (as a busy coordinator has): the log
// ends at about one segment, whatever went through it.
TEST(Rotation, AMillionTransactionsLeaveTheLogSmall) {
  MemoryFileSystem fs;
  Options options;  // the defaults: 4 MiB segments, 1 MiB batches
  constexpr int kTransactions = 1'000'000, kInFlight = 64;
  std::uint64_t written = 0, peak = 0, checkpoint = 0;
  {
    auto log = DecisionLog::open(fs, "/log", options);
    for (int i = 0; i < kTransactions; ++i) {
      log->append(decision(txn(i)));
      if (i >= kInFlight) log->append(finished(txn(i - kInFlight)));
      if (i % 4096 == 0) {
        ASSERT_TRUE(log->append_and_wait(finished(txn(-1))));  // keeps the queue short
        peak = std::max(peak, fs.total_bytes());
      }
    }
    ASSERT_TRUE(log->append_and_wait(finished(txn(-1))));
    written = log->stats().bytes;
    checkpoint = log->stats().checkpoint_bytes;
  }
  auto scan = scan_log(fs, "/log");
  const std::uint64_t bound = options.segment_bytes + options.max_batch_bytes + 2 * checkpoint;
  std::printf(
      "%d transactions: %llu bytes of records written, %llu segments created; the log holds "
      "%llu bytes in %zu file(s) (peak %llu, bound %llu)\n",
      kTransactions, static_cast<unsigned long long>(written),
      static_cast<unsigned long long>(scan.newest_number),
      static_cast<unsigned long long>(fs.total_bytes()), fs.file_paths().size(),
      static_cast<unsigned long long>(peak), static_cast<unsigned long long>(bound));
  EXPECT_GT(written, 20 * bound) << "the workload should dwarf the bound";
  EXPECT_LE(fs.total_bytes(), bound);
  EXPECT_LE(peak, 2 * bound) << "two segments at most, during a rotation";
  EXPECT_EQ(fs.file_paths().size(), 1u);
  EXPECT_EQ(scan.state.open().size(), static_cast<std::size_t>(kInFlight));
}

}  // namespace
}  // namespace xacoord::dlog::test
