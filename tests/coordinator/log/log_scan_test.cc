// The directory-level recovery rules (log_scan.h): what is a torn tail to repair, and what
// is corruption that stops the start with the file, the offset and the word "corrupt".
#include "coordinator/log/log_scan.h"

#include <gtest/gtest.h>

#include "coordinator/log/decision_log.h"
#include "protocol/bytes.h"
#include "tests/coordinator/log/log_test_util.h"
#include "tests/coordinator/log/memory_file_system.h"

namespace xacoord::dlog::test {
namespace {

const std::string kDir = "/log";

std::string path_of(std::uint64_t number) {
  return kDir + "/" + segment_file_name(number);
}

std::vector<LogRecord> with_checkpoint(std::uint64_t epoch, std::vector<LogRecord> records) {
  records.insert(records.begin(), CheckpointRecord{epoch, {}, {}});
  return records;
}

// The offset where the i-th frame of `records` starts in segment(n, records).
std::size_t offset_of_frame(const std::vector<LogRecord>& records, std::size_t i) {
  std::size_t offset = kHeaderSize;
  for (std::size_t k = 0; k < i; ++k)
    offset += encode_frame(records[k]).size();
  return offset;
}

// Expects scan_log to throw LogCorrupt naming `path` and `offset`, and DecisionLog::open
// to refuse the log without changing a byte of it.
void expect_corrupt(MemoryFileSystem& fs, const std::string& path, std::uint64_t offset,
                    const std::string& reason_part) {
  try {
    scan_log(fs, kDir);
    ADD_FAILURE() << "expected LogCorrupt for " << path;
  } catch (const LogCorrupt& e) {
    EXPECT_EQ(e.path(), path);
    EXPECT_EQ(e.offset(), offset);
    std::string what = e.what();
    EXPECT_NE(what.find(path + ": corrupt at offset " + std::to_string(offset)), std::string::npos)
        << what;
    EXPECT_NE(what.find(reason_part), std::string::npos) << what;
  }
  auto before = fs.snapshot();
  EXPECT_THROW(DecisionLog::open(fs, kDir), LogCorrupt);
  EXPECT_EQ(fs.file_paths(), before->file_paths());
  for (const auto& p : fs.file_paths())
    EXPECT_EQ(fs.contents(p), before->contents(p)) << p << " was changed";
  auto inspected = inspect_log(fs, kDir);
  ASSERT_TRUE(inspected.corruption);
  EXPECT_EQ(inspected.corruption->path, path);
}

TEST(LogScan, EmptyDirectoryIsAFreshLog) {
  MemoryFileSystem fs;
  fs.make_dirs(kDir);
  auto scan = scan_log(fs, kDir);
  EXPECT_TRUE(scan.segments.empty());
  EXPECT_EQ(scan.next_number, 1u);
  EXPECT_EQ(scan.state.epoch(), 0u);
}

TEST(LogScan, BadCrcInTheMiddleOfTheNewestSegmentIsCorrupt) {
  MemoryFileSystem fs;
  auto records = with_checkpoint(2, workload(5));
  std::string bytes = segment(4, records);
  const std::size_t damaged = offset_of_frame(records, 3);
  bytes[damaged + 12] ^= 0x01;
  fs.put_durable_file(path_of(4), bytes);
  expect_corrupt(fs, path_of(4), damaged, "bad crc, followed by good records");
}

TEST(LogScan, ImpossibleLengthInTheMiddleIsCorrupt) {
  MemoryFileSystem fs;
  auto records = with_checkpoint(2, workload(5));
  std::string bytes = segment(4, records);
  const std::size_t damaged = offset_of_frame(records, 2);
  bytes.replace(damaged + 4, 4, "\x00\x00\x00\x7f", 4);
  fs.put_durable_file(path_of(4), bytes);
  expect_corrupt(fs, path_of(4), damaged, "impossible length");
}

TEST(LogScan, MissingSegmentIsCorrupt) {
  MemoryFileSystem fs;
  fs.put_durable_file(path_of(3), segment(3, with_checkpoint(1, workload(2))));
  fs.put_durable_file(path_of(5), segment(5, with_checkpoint(2, {})));
  expect_corrupt(fs, path_of(4), 0, "segment 4 is missing");
}

TEST(LogScan, TornTailOfAnOlderSegmentIsCorrupt) {
  MemoryFileSystem fs;
  std::string older = segment(3, with_checkpoint(1, workload(2)));
  fs.put_durable_file(path_of(3), older.substr(0, older.size() - 3));
  fs.put_durable_file(path_of(4), segment(4, with_checkpoint(2, {})));
  auto records = with_checkpoint(1, workload(2));
  expect_corrupt(fs, path_of(3), offset_of_frame(records, records.size() - 1),
                 "in a segment that was complete before the next one began");
}

TEST(LogScan, SegmentNamingAnotherNumberIsCorrupt) {
  MemoryFileSystem fs;
  fs.put_durable_file(path_of(4), segment(9, with_checkpoint(2, {})));
  expect_corrupt(fs, path_of(4), 0, "header names segment 9");
}

TEST(LogScan, SegmentNotBeginningWithACheckpointIsCorrupt) {
  MemoryFileSystem fs;
  fs.put_durable_file(path_of(1), segment(1, workload(2)));
  expect_corrupt(fs, path_of(1), kHeaderSize, "does not begin with a checkpoint");
}

TEST(LogScan, UnknownRecordTypeAtTheTailIsCorrupt) {
  MemoryFileSystem fs;
  std::string bytes = segment(1, with_checkpoint(1, {}));
  std::string body;  // an empty payload of type 42, with a good CRC
  bytes::put_fixed32(body, 0);
  body.push_back(42);
  bytes::put_fixed32(bytes, frame_crc(body));
  bytes += body;
  fs.put_durable_file(path_of(1), bytes);
  expect_corrupt(fs, path_of(1), bytes.size() - kFrameHeaderSize, "undecodable record of type 42");
}

TEST(LogScan, LoneSegmentWithoutItsCheckpointIsCorruptUnlessItIsTheFirst) {
  MemoryFileSystem fs;
  // Segment 6 alone: segment 5 was removed only after 6 was durable, so 6 lost data.
  fs.put_durable_file(path_of(6), encode_header(6) + "\x01\x02");
  expect_corrupt(fs, path_of(6), kHeaderSize, "the only segment lost its checkpoint");

  MemoryFileSystem first;
  first.put_durable_file(path_of(1), encode_header(1).substr(0, 7));
  auto scan = scan_log(first, kDir);
  ASSERT_EQ(scan.repairs.size(), 1u);
  EXPECT_EQ(scan.repairs[0].kind, Repair::Kind::kRemove);
  EXPECT_EQ(scan.next_number, 1u);
}

TEST(LogScan, TornTailOfTheNewestSegmentIsRepairedBeforeAppending) {
  MemoryFileSystem fs;
  auto records = with_checkpoint(2, workload(4));
  std::string bytes = segment(4, records);
  const std::size_t good = offset_of_frame(records, records.size() - 1);
  fs.put_durable_file(path_of(4), bytes.substr(0, good + 5));
  auto scan = scan_log(fs, kDir);
  ASSERT_EQ(scan.repairs.size(), 1u);
  EXPECT_EQ(scan.repairs[0].kind, Repair::Kind::kTruncate);
  EXPECT_EQ(scan.repairs[0].offset, good);
  EXPECT_EQ(scan.next_number, 5u);

  apply_repairs(fs, kDir, scan.repairs);
  EXPECT_EQ(fs.contents(path_of(4)), bytes.substr(0, good));
  EXPECT_EQ(fs.synced_size(path_of(4)), good) << "the cut must be durable";
}

// A crash while creating segment N+1 (at open or at rotation) leaves it without a
// checkpoint: it is removed and its number used again, so no gap can appear even if the
// next start crashes too.
TEST(LogScan, HalfCreatedNewestSegmentIsRemovedAndItsNumberReused) {
  MemoryFileSystem fs;
  fs.put_durable_file(path_of(4), segment(4, with_checkpoint(2, workload(3))));
  fs.put_durable_file(path_of(5), encode_header(5));
  auto scan = scan_log(fs, kDir);
  ASSERT_EQ(scan.repairs.size(), 1u);
  EXPECT_EQ(scan.repairs[0].kind, Repair::Kind::kRemove);
  EXPECT_EQ(scan.repairs[0].path, path_of(5));
  EXPECT_EQ(scan.next_number, 5u);

  { auto log = DecisionLog::open(fs, kDir); }
  EXPECT_EQ(fs.file_paths(), std::vector<std::string>{path_of(5)});
  auto after = scan_log(fs, kDir);
  EXPECT_EQ(after.state.epoch(), 3u);
  EXPECT_TRUE(same_decisions(after.state, fold(workload(3))));
}

TEST(LogScan, OtherFilesInTheDirectoryAreIgnored) {
  MemoryFileSystem fs;
  fs.put_durable_file(path_of(1), segment(1, with_checkpoint(1, workload(2))));
  fs.put_durable_file(kDir + "/LOCK", "");
  fs.put_durable_file(kDir + "/decisions-00000002.log.bak", "junk");
  fs.put_durable_file(kDir + "/decisions-0.log", "junk");
  auto scan = scan_log(fs, kDir);
  EXPECT_EQ(scan.segments.size(), 1u);
  EXPECT_TRUE(same_decisions(scan.state, fold(workload(2))));
}

}  // namespace
}  // namespace xacoord::dlog::test
