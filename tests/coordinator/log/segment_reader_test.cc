// scan_segment and salvage_segment on hand-made bytes: each kind of damage is named, placed
// and classified (torn tail or damage in the middle).
#include "coordinator/log/segment_reader.h"

#include <gtest/gtest.h>

#include "protocol/bytes.h"
#include "protocol/crc32c.h"
#include "tests/coordinator/log/log_test_util.h"

namespace xacoord::dlog::test {
namespace {

const std::vector<LogRecord> kRecords{CheckpointRecord{3, {}, {}}, decision(txn(1)),
                                      finished(txn(1)), decision(txn(2)), decision(txn(3))};

// Offsets of each frame of segment(7, kRecords), and the end.
std::vector<std::size_t> frame_offsets() {
  std::vector<std::size_t> out{kHeaderSize};
  for (const auto& r : kRecords)
    out.push_back(out.back() + encode_frame(r).size());
  return out;
}

TEST(SegmentReader, ReadsEveryRecordOfAnIntactSegment) {
  auto scan = scan_segment(segment(7, kRecords));
  EXPECT_TRUE(scan.header_ok);
  EXPECT_EQ(scan.segment_number, 7u);
  EXPECT_FALSE(scan.damage);
  ASSERT_EQ(scan.records.size(), kRecords.size());
  for (std::size_t i = 0; i < kRecords.size(); ++i) {
    EXPECT_EQ(scan.records[i].record, kRecords[i]);
    EXPECT_EQ(scan.records[i].offset, frame_offsets()[i]);
  }
  EXPECT_EQ(scan.valid_bytes, frame_offsets().back());
}

TEST(SegmentReader, HeaderDamageIsNamed) {
  std::string good = segment(7, kRecords);
  struct Case {
    std::string bytes;
    std::string reason;
  };
  std::string bad_magic = good, bad_crc = good, new_version = encode_header(7);
  bad_magic[0] = 'Y';
  bad_crc[13] ^= 1;
  new_version.replace(8, 4, "\x02\0\0\0", 4);
  std::string fixed = new_version.substr(0, 20);
  bytes::put_fixed32(fixed, crc32c::mask(crc32c::value(fixed)));
  for (const Case& c :
       {Case{good.substr(0, 10), "truncated segment header"}, Case{bad_magic, "bad segment magic"},
        Case{bad_crc, "bad segment header crc"}, Case{fixed, "unsupported format version 2"}}) {
    auto scan = scan_segment(c.bytes);
    EXPECT_FALSE(scan.header_ok);
    ASSERT_TRUE(scan.damage);
    EXPECT_EQ(scan.damage->offset, 0u);
    EXPECT_EQ(scan.damage->reason, c.reason);
    EXPECT_TRUE(scan.records.empty());
  }
}

TEST(SegmentReader, TruncationAtEveryByteIsATornTail) {
  const std::string good = segment(7, kRecords);
  const auto offsets = frame_offsets();
  for (std::size_t cut = kHeaderSize; cut < good.size(); ++cut) {
    auto scan = scan_segment(std::string_view(good).substr(0, cut));
    std::size_t whole = 0;
    while (offsets[whole + 1] <= cut)
      ++whole;
    ASSERT_EQ(scan.records.size(), whole) << "cut at " << cut;
    EXPECT_EQ(scan.valid_bytes, offsets[whole]);
    if (cut == offsets[whole]) {
      EXPECT_FALSE(scan.damage) << "cut at " << cut;
    } else {
      ASSERT_TRUE(scan.damage) << "cut at " << cut;
      EXPECT_EQ(scan.damage->offset, offsets[whole]);
      EXPECT_FALSE(scan.damage->valid_frame_after) << "cut at " << cut;
      EXPECT_EQ(scan.damage->reason, cut - offsets[whole] < kFrameHeaderSize
                                         ? "truncated frame header"
                                         : "truncated record");
    }
  }
}

TEST(SegmentReader, FlippedBitInTheMiddleIsFollowedByGoodFrames) {
  const std::string good = segment(7, kRecords);
  const auto offsets = frame_offsets();
  // Every bit of the third frame (its CRC, length, type and payload).
  for (std::size_t byte = offsets[2]; byte < offsets[3]; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[byte] ^= static_cast<char>(1 << bit);
      auto scan = scan_segment(bad);
      ASSERT_TRUE(scan.damage) << byte << ":" << bit;
      EXPECT_EQ(scan.damage->offset, offsets[2]);
      EXPECT_TRUE(scan.damage->valid_frame_after) << byte << ":" << bit;
      EXPECT_EQ(scan.records.size(), 2u);
    }
  }
}

TEST(SegmentReader, ImpossibleLengthIsNamed) {
  std::string bad = segment(7, kRecords);
  const auto offsets = frame_offsets();
  bad.replace(offsets[1] + 4, 4, "\xff\xff\xff\xff", 4);
  auto scan = scan_segment(bad);
  ASSERT_TRUE(scan.damage);
  EXPECT_EQ(scan.damage->reason, "impossible length");
  EXPECT_EQ(scan.damage->offset, offsets[1]);
  EXPECT_TRUE(scan.damage->valid_frame_after);
}

TEST(SegmentReader, GoodCrcAroundAnUndecodablePayloadIsNeverATornTail) {
  std::string bytes = segment(7, {CheckpointRecord{}});
  std::string body;
  bytes::put_fixed32(body, 3);
  body.push_back(9);  // a type this version does not know
  body += "abc";
  bytes::put_fixed32(bytes, frame_crc(body));
  bytes += body;
  auto scan = scan_segment(bytes);
  ASSERT_TRUE(scan.damage);
  EXPECT_EQ(scan.damage->reason, "undecodable record of type 9");
  EXPECT_TRUE(scan.damage->valid_frame_after) << "must count as damage in the middle";
}

TEST(SegmentReader, ZeroFilledTailIsATornTail) {
  std::string bytes = segment(7, kRecords) + std::string(4096, '\0');
  auto scan = scan_segment(bytes);
  ASSERT_TRUE(scan.damage);
  EXPECT_EQ(scan.damage->offset, frame_offsets().back());
  EXPECT_FALSE(scan.damage->valid_frame_after);
  EXPECT_EQ(scan.records.size(), kRecords.size());
}

TEST(SalvageSegment, SkipsDamageAndKeepsEveryGoodRecordAfterIt) {
  std::string bad = segment(7, kRecords);
  const auto offsets = frame_offsets();
  bad[offsets[2] + 10] ^= 0x40;  // inside FINISHED 1-1-1
  auto salvaged = salvage_segment(bad);
  EXPECT_TRUE(salvaged.header_ok);
  ASSERT_EQ(salvaged.skipped.size(), 1u);
  EXPECT_EQ(salvaged.skipped[0].begin, offsets[2]);
  EXPECT_EQ(salvaged.skipped[0].end, offsets[3]);
  EXPECT_EQ(salvaged.skipped[0].reason, "bad crc");
  std::vector<LogRecord> expected{kRecords[0], kRecords[1], kRecords[3], kRecords[4]};
  std::vector<LogRecord> got;
  for (const auto& r : salvaged.records)
    got.push_back(r.record);
  EXPECT_EQ(got, expected);
}

TEST(SalvageSegment, DamagedHeaderDoesNotHideTheFrames) {
  std::string bad = segment(7, kRecords);
  bad[2] = '!';
  auto salvaged = salvage_segment(bad);
  EXPECT_FALSE(salvaged.header_ok);
  ASSERT_EQ(salvaged.skipped.size(), 1u);
  EXPECT_EQ(salvaged.skipped[0].end, kHeaderSize);
  EXPECT_EQ(salvaged.records.size(), kRecords.size());
}

TEST(SalvageSegment, IntactSegmentSkipsNothing) {
  auto salvaged = salvage_segment(segment(7, kRecords));
  EXPECT_TRUE(salvaged.skipped.empty());
  EXPECT_EQ(salvaged.records.size(), kRecords.size());
}

}  // namespace
}  // namespace xacoord::dlog::test
