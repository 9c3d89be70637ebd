// The operator's side, through the real program: `xacoord log verify|dump|salvage`, and
// `xacoord serve` refusing a corrupt log with a pointer to the way out.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "coordinator/log/decision_log.h"
#include "tests/coordinator/log/log_test_util.h"
#include "tests/support/test_env.h"

namespace xacoord::dlog::test {
namespace {

namespace fs = std::filesystem;

struct Run {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

Run run(const std::string& args, const std::string& prefix = "") {
  Run r;
  std::string command = prefix + xacoord::test::binary_path() + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe))
    r.output.append(buf, n);
  int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class LogCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(xacoord::test::scratch_dir("dlog-command")) / "log";
    auto log = DecisionLog::open(posix_file_system(), dir_.string());
    for (const auto& r : workload(6))
      ASSERT_TRUE(log->append_and_wait(r));
  }
  void TearDown() override { fs::remove_all(dir_.parent_path()); }

  fs::path segment() const { return dir_ / segment_file_name(1); }
  void flip_byte(std::uint64_t offset) {
    std::fstream f(segment(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(offset));
    f.put(static_cast<char>(c ^ 0x20));
  }
  // Where the 4th record (after the checkpoint) starts: damage there has good records after.
  std::uint64_t middle_offset() const {
    return scan_log(posix_file_system(), dir_.string()).segments[0].scan.records[4].offset;
  }

  fs::path dir_;
};

TEST_F(LogCommand, VerifyAndDumpAGoodLog) {
  auto verify = run("log verify " + dir_.string());
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("\nOK\n"), std::string::npos) << verify.output;
  EXPECT_NE(verify.output.find("2 commit decisions not finished"), std::string::npos)
      << verify.output;
  auto dump = run("log dump " + dir_.string());
  EXPECT_EQ(dump.exit_code, 0) << dump.output;
  EXPECT_NE(dump.output.find("\"type\":\"COMMIT\""), std::string::npos) << dump.output;
  EXPECT_NE(dump.output.find("\"txn_id\":\"1-1-3\""), std::string::npos) << dump.output;
}

TEST_F(LogCommand, VerifyReportsATornTailAsRepairable) {
  fs::resize_file(segment(), fs::file_size(segment()) - 2);
  auto verify = run("log verify " + dir_.string());
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("torn tail"), std::string::npos) << verify.output;
}

TEST_F(LogCommand, CorruptLogFailsVerifyStopsServeAndSalvageGetsOut) {
  const auto offset = middle_offset();
  flip_byte(offset + 11);
  const std::string where = segment().string() + ": corrupt at offset " + std::to_string(offset);

  auto verify = run("log verify " + dir_.string());
  EXPECT_EQ(verify.exit_code, 1) << verify.output;
  EXPECT_NE(verify.output.find(where), std::string::npos) << verify.output;

  auto serve = run("serve --listen 127.0.0.1:1 --log-dir " + dir_.string(), "timeout 30 ");
  EXPECT_EQ(serve.exit_code, 1) << serve.output;
  EXPECT_NE(serve.output.find(where), std::string::npos) << serve.output;
  EXPECT_NE(serve.output.find("A damaged log"), std::string::npos) << serve.output;

  auto dry = run("log salvage --dry-run " + dir_.string());
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_NE(dry.output.find("Dry run: nothing changed"), std::string::npos) << dry.output;
  EXPECT_EQ(run("log verify " + dir_.string()).exit_code, 1) << "a dry run changes nothing";

  auto salvage = run("log salvage " + dir_.string());
  EXPECT_EQ(salvage.exit_code, 0) << salvage.output;
  EXPECT_NE(salvage.output.find("lost bytes " + std::to_string(offset)), std::string::npos)
      << salvage.output;
  EXPECT_NE(salvage.output.find("reconcile"), std::string::npos) << salvage.output;
  auto after = run("log verify " + dir_.string());
  EXPECT_EQ(after.exit_code, 0) << after.output;
  EXPECT_TRUE(fs::exists(dir_ / "damaged-2" / segment_file_name(1)));

  auto again = run("log salvage " + dir_.string());
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("nothing to salvage"), std::string::npos) << again.output;
}

TEST_F(LogCommand, BadUsageExitsTwo) {
  EXPECT_EQ(run("log").exit_code, 2);
  EXPECT_EQ(run("log frobnicate " + dir_.string()).exit_code, 2);
  EXPECT_EQ(run("log verify /nonexistent/xacoord-log").exit_code, 1);
}

}  // namespace
}  // namespace xacoord::dlog::test
