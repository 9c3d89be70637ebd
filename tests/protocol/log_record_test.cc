#include "protocol/log_record.h"

#include <gtest/gtest.h>

namespace xacoord {
namespace {

CommitDecision decision(const std::string& id) {
  return CommitDecision{id,
                        1'700'000'000'000,
                        {{"orders", Xid{kXacoordFormatId, "xacoord:" + id, "orders"}},
                         {"payments", Xid{kXacoordFormatId, "xacoord:" + id, "payments"}}}};
}

std::vector<LogRecord> samples() {
  return {
      decision("1-1-1"),
      FinishedRecord{"1-1-1"},
      HeuristicRecord{
          "1-1-2", true, 5, "operator said so", {{"orders", Xid{kXacoordFormatId, "g", "orders"}}}},
      CheckpointRecord{9, {decision("1-8-3"), decision("1-8-4")}, {}},
      CheckpointRecord{},
  };
}

TEST(LogRecord, EveryTypeRoundTrips) {
  for (const auto& record : samples()) {
    auto payload = encode_payload(record);
    auto back = decode_payload(static_cast<std::uint8_t>(type_of(record)), payload);
    ASSERT_TRUE(back) << name_of(type_of(record));
    EXPECT_EQ(*back, record);
  }
}

TEST(LogRecord, EveryTruncationIsRejected) {
  for (const auto& record : samples()) {
    auto payload = encode_payload(record);
    auto type = static_cast<std::uint8_t>(type_of(record));
    for (std::size_t cut = 0; cut < payload.size(); ++cut) {
      EXPECT_FALSE(decode_payload(type, payload.substr(0, cut)))
          << name_of(type_of(record)) << " cut at " << cut;
    }
  }
}

TEST(LogRecord, TrailingBytesAndUnknownTypesAreRejected) {
  auto payload = encode_payload(FinishedRecord{"1-1-1"});
  EXPECT_FALSE(decode_payload(static_cast<std::uint8_t>(RecordType::kFinished), payload + "x"));
  EXPECT_FALSE(decode_payload(0, payload));
  EXPECT_FALSE(decode_payload(99, payload));
}

TEST(LogRecord, AbsurdCountsAreRejectedWithoutAllocating) {
  // A checkpoint claiming 2^60 open decisions in a handful of bytes.
  std::string payload = "\x01\x80\x80\x80\x80\x80\x80\x80\x80\x10";
  EXPECT_FALSE(decode_payload(static_cast<std::uint8_t>(RecordType::kCheckpoint), payload));
}

}  // namespace
}  // namespace xacoord
