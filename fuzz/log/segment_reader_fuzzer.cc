// libFuzzer target: scan_segment and salvage_segment on arbitrary bytes.
//
// Beyond "no crash, no sanitizer report", it checks what the log's safety rests on: every
// record either reader returns sits in a frame whose CRC checks (verified here from the
// raw bytes, independently of the reader), decodes to exactly that record, and re-encodes
// to a frame with a good CRC that decodes to it again. It also checks the readers' own
// bookkeeping (offsets, valid_bytes, damage, skipped ranges tiling the segment).
//
// A custom mutator re-seals the CRCs of mutated inputs half of the time; otherwise almost
// no mutation would get past the CRC and the record decoder would go unexplored.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "coordinator/log/log_format.h"
#include "coordinator/log/segment_reader.h"
#include "protocol/bytes.h"
#include "protocol/crc32c.h"
#include "fuzz/log/seeds.h"

using namespace xacoord;
using namespace xacoord::dlog;

namespace {

#define CHECK(condition)                                                                 \
  do {                                                                                   \
    if (!(condition)) {                                                                  \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

// The frame at `offset`, checked from the raw bytes; returns its total size.
std::size_t check_returned_record(std::string_view bytes, const ScannedRecord& r) {
  CHECK(r.offset + kFrameHeaderSize <= bytes.size());
  const char* p = bytes.data() + r.offset;
  const std::uint32_t length = bytes::get_fixed32(p + 4);
  CHECK(length <= kMaxPayloadSize);
  CHECK(r.offset + kFrameHeaderSize + length <= bytes.size());
  const std::uint32_t stored = bytes::get_fixed32(p);
  CHECK(crc32c::unmask(stored) == crc32c::extend(0, p + 4, 5 + length));
  const auto type = static_cast<std::uint8_t>(p[8]);
  CHECK(type == static_cast<std::uint8_t>(type_of(r.record)));
  auto decoded = decode_payload(type, std::string_view(p + kFrameHeaderSize, length));
  CHECK(decoded && *decoded == r.record);

  // Re-encoded, the record makes a frame with a good CRC that reads back the same.
  const std::string frame = encode_frame(r.record);
  CHECK(frame.size() >= kFrameHeaderSize);
  const std::uint32_t re_length = bytes::get_fixed32(frame.data() + 4);
  CHECK(frame.size() == kFrameHeaderSize + re_length);
  CHECK(bytes::get_fixed32(frame.data()) == frame_crc(std::string_view(frame).substr(4)));
  auto again = decode_payload(static_cast<std::uint8_t>(frame[8]),
                              std::string_view(frame).substr(kFrameHeaderSize));
  CHECK(again && *again == r.record);
  return kFrameHeaderSize + length;
}

void check_scan(std::string_view bytes, const SegmentScan& scan) {
  CHECK(scan.valid_bytes <= bytes.size());
  if (!scan.header_ok) {
    CHECK(scan.records.empty() && scan.damage && scan.damage->offset == 0);
    return;
  }
  CHECK(bytes.size() >= kHeaderSize);
  std::uint64_t expected_offset = kHeaderSize;
  for (const auto& r : scan.records) {
    CHECK(r.offset == expected_offset);  // contiguous, nothing skipped
    expected_offset += check_returned_record(bytes, r);
  }
  CHECK(scan.valid_bytes == expected_offset);
  if (scan.damage) {
    CHECK(scan.damage->offset == scan.valid_bytes && scan.valid_bytes < bytes.size());
  } else {
    CHECK(scan.valid_bytes == bytes.size());
  }
}

void check_salvage(std::string_view bytes, const SegmentScan& scan, const SalvagedSegment& s) {
  CHECK(s.header_ok == scan.header_ok);
  // Records and skipped ranges tile the segment after its header, in order.
  std::uint64_t at = s.header_ok ? kHeaderSize : 0;
  std::size_t next_record = 0, next_skip = 0;
  while (next_record < s.records.size() || next_skip < s.skipped.size()) {
    if (next_skip < s.skipped.size() && s.skipped[next_skip].begin == at) {
      CHECK(s.skipped[next_skip].end > at);
      at = s.skipped[next_skip++].end;
    } else {
      CHECK(next_record < s.records.size() && s.records[next_record].offset == at);
      at += check_returned_record(bytes, s.records[next_record++]);
    }
  }
  CHECK(at == bytes.size());
  // Up to the first damage, both readers see the same records.
  if (s.header_ok) {
    CHECK(s.records.size() >= scan.records.size());
    for (std::size_t i = 0; i < scan.records.size(); ++i) {
      CHECK(s.records[i].offset == scan.records[i].offset);
      CHECK(s.records[i].record == scan.records[i].record);
    }
  }
}

// Rewrites the header CRC and every frame CRC that can be placed, in place.
void reseal(std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto put32 = [&](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
      data[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  if (size < kHeaderSize) return;
  put32(20, crc32c::mask(crc32c::value(bytes.substr(0, 20))));
  std::size_t offset = kHeaderSize;
  while (offset + kFrameHeaderSize <= size) {
    std::uint32_t length = bytes::get_fixed32(bytes.data() + offset + 4);
    if (length > size - offset - kFrameHeaderSize) return;
    put32(offset, frame_crc(bytes.substr(offset + 4, 5 + length)));
    offset += kFrameHeaderSize + length;
  }
}

}  // namespace

// XACOORD_FUZZ_WRITE_SEEDS=DIR: write the seed corpus to DIR and exit (fuzz/log/run-fuzz).
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("XACOORD_FUZZ_WRITE_SEEDS")) {
    xacoord::fuzz::write_seeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" size_t LLVMFuzzerMutate(std::uint8_t* data, size_t size, size_t max_size);

extern "C" size_t LLVMFuzzerCustomMutator(std::uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  size = LLVMFuzzerMutate(data, size, max_size);
  if (seed % 2 == 0) reseal(data, size);
  return size;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  SegmentScan scan = scan_segment(bytes);
  check_scan(bytes, scan);
  check_salvage(bytes, scan, salvage_segment(bytes));
  return 0;
}
