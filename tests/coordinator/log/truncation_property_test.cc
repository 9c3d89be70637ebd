// Property, on real files: a log cut at any byte of its last records (what a crash in the
// middle of the last write leaves) opens, loses exactly the records cut into, and appends
// after the cut as if nothing happened.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "coordinator/log/decision_log.h"
#include "tests/coordinator/log/log_test_util.h"
#include "tests/support/test_env.h"

namespace xacoord::dlog::test {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

TEST(TruncationProperty, EveryCutOfTheLastRecordsRecoversTheWholeRecordsBeforeIt) {
  const fs::path base = xacoord::test::scratch_dir("dlog-truncation");
  const fs::path original = base / "original";
  const std::vector<LogRecord> records = workload(12);
  constexpr std::size_t kLastRecords = 3;
  {
    auto log = DecisionLog::open(posix_file_system(), original.string());
    for (const auto& r : records)
      ASSERT_TRUE(log->append_and_wait(r));
  }
  const fs::path segment_path = original / segment_file_name(1);
  const std::string bytes = read_file(segment_path);
  auto scan = scan_log(posix_file_system(), original.string());
  ASSERT_EQ(records_of(scan), records);
  const auto& scanned = scan.segments.at(0).scan.records;  // checkpoint first
  const std::size_t first_cut = scanned[scanned.size() - kLastRecords].offset;

  for (std::size_t cut = first_cut; cut <= bytes.size(); ++cut) {
    SCOPED_TRACE("cut at byte " + std::to_string(cut) + " of " + std::to_string(bytes.size()));
    const fs::path dir = base / ("cut-" + std::to_string(cut));
    fs::create_directories(dir);
    write_file(dir / segment_file_name(1), bytes.substr(0, cut));

    std::vector<LogRecord> expected;
    for (std::size_t i = 1; i < scanned.size(); ++i) {
      std::size_t end = i + 1 < scanned.size() ? scanned[i + 1].offset : bytes.size();
      if (end <= cut) expected.push_back(scanned[i].record);
    }
    auto cut_scan = scan_log(posix_file_system(), dir.string());
    ASSERT_EQ(records_of(cut_scan), expected);

    {
      auto log = DecisionLog::open(posix_file_system(), dir.string());
      ASSERT_TRUE(log->append_and_wait(decision("9-9-9")));
    }
    // One clean segment: the new epoch's, holding the state of the records before the cut.
    auto reopened = scan_log(posix_file_system(), dir.string());
    EXPECT_TRUE(reopened.repairs.empty());
    ASSERT_EQ(reopened.segments.size(), 1u);
    EXPECT_EQ(reopened.segments[0].number, 2u);
    expected.push_back(decision("9-9-9"));
    EXPECT_TRUE(same_decisions(reopened.state, fold(expected)));
    fs::remove_all(dir);
  }
  fs::remove_all(base);
}

}  // namespace
}  // namespace xacoord::dlog::test
