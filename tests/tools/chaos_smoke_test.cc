// `xacoord chaos` as users run it: a fixed-seed smoke over every crash point and a kill of
// each server must come out clean, and the unsafe baseline must not.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

struct ChaosResult {
  int exit_code = -1;
  nlohmann::json report;
};

ChaosResult run_chaos(const std::string& args) {
  std::string out = scratch_dir("chaos");
  std::string cmd = "XACOORD_SOURCE_DIR='" + source_dir() + "' '" + binary_path() +
                    "' chaos --quiet --out '" + out + "/report' --var '" + out + "/var' " + args +
                    " > '" + out + "/chaos.out' 2>&1";
  int status = std::system(cmd.c_str());
  ChaosResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(out + "/report/report.json");
  if (in) r.report = nlohmann::json::parse(in, nullptr, false);
  std::ifstream log(out + "/chaos.out");
  std::string line;
  while (std::getline(log, line))
    std::printf("%s\n", line.c_str());
  return r;
}

TEST(ChaosSmoke, EveryCrashPointAndEachServerKillComeOutClean) {
  auto r = run_chaos("--seed 7 --runs 10 --duration 3s --clients 6 --faults crash,kill-db");
  ASSERT_TRUE(r.report.is_object()) << "no report was written";
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.report["totals"]["violations"], 0);
  EXPECT_EQ(r.report["totals"]["unanswered"], 0)
      << "every operation got a definite answer after recovery";
  EXPECT_GT(r.report["totals"]["acknowledged"].get<int>(), 100);
  ASSERT_EQ(r.report["runs"].size(), 10u);
  for (const auto& run : r.report["runs"]) {
    EXPECT_TRUE(run["fault_fired"].get<bool>()) << run["fault"] << " never fired";
  }
}

TEST(ChaosSmoke, TheUnsafeBaselineIsCaught) {
  // Two local commits instead of 2PC, killed between them: the checks must say so.
  auto r = run_chaos(
      "--unsafe --seed 3 --runs 2 --duration 3s --clients 6 --faults crash:after_commit_first");
  ASSERT_TRUE(r.report.is_object()) << "no report was written";
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_GT(r.report["totals"]["violations"].get<int>(), 0);
  EXPECT_FALSE(r.report["anomalies_by_kind"].empty());
}

}  // namespace
}  // namespace xacoord::test
