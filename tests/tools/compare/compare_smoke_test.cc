// `xacoord compare --quick` as make test runs it: every arm on main under one random crash,
// naive's anomalies reported and the others' promises kept; and a planted anomaly in a
// settled saga arm reported and turned into exit 1 (a checker is shown to catch a fault).
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

struct CompareRun {
  int exit_code = -1;
  nlohmann::json report;
  std::string out_dir;
  std::string output;
};

CompareRun run_compare(const std::string& args) {
  CompareRun r;
  std::string dir = scratch_dir("compare");
  r.out_dir = dir + "/report";
  std::string cmd = "XACOORD_SOURCE_DIR='" + source_dir() + "' '" + binary_path() +
                    "' compare --quiet --out '" + r.out_dir + "' --var '" + dir + "/var' " + args +
                    " > '" + dir + "/compare.out' 2>&1";
  int status = std::system(cmd.c_str());
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(r.out_dir + "/compare.json");
  if (in) r.report = nlohmann::json::parse(in, nullptr, false);
  std::ifstream log(dir + "/compare.out");
  for (std::string line; std::getline(log, line);)
    r.output += line + "\n";
  std::printf("%s", r.output.c_str());
  return r;
}

const nlohmann::json& arm(const nlohmann::json& report, const std::string& name) {
  for (const auto& a : report["arms"])
    if (a["architecture"] == name) return a;
  static const nlohmann::json none;
  return none;
}

TEST(CompareSmoke, QuickRunKeepsEveryPromiseButNaivesWhichShowsAnomalies) {
  auto r = run_compare("--quick --seed 11 --architectures xa,tcc,saga,outbox,naive");
  ASSERT_TRUE(r.report.is_object()) << "no compare.json";
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.report["seed"], 11);
  for (const char* f : {"compare.md", "throughput.svg", "anomalies.svg"})
    EXPECT_TRUE(std::filesystem::exists(r.out_dir + "/" + f)) << f;
  ASSERT_EQ(r.report["arms"].size(), 5u);
  for (const auto& a : r.report["arms"]) {
    const std::string name = a["architecture"];
    EXPECT_GT(a["throughput_per_s"].get<double>(), 10) << name;
    EXPECT_GT(a["p99_ms"].get<double>(), 0) << name;
    EXPECT_EQ(a["faults_fired"].value("crash:random", 0), 1) << name << ": one crash each";
    EXPECT_GT(a["samples"].get<int>(), 10) << name << ": the sampler ran";
    EXPECT_GT(a["locking_samples"].get<int>(), 0) << name;
    EXPECT_GT(a["coordinator_cpu_ms_per_pay"].get<double>(), 0) << name;
    EXPECT_GT(a["db_statements_per_pay"].get<double>(), 1) << name;
    if (name == "naive") continue;
    EXPECT_TRUE(a["kept_promise"].get<bool>()) << name;
    EXPECT_EQ(a["permanent_anomalies"], 0) << name << ": " << a["permanent_examples"].dump();
    EXPECT_EQ(a["acknowledged_lost"], 0) << name;
    EXPECT_EQ(a["unanswered"], 0) << name;
  }
  // XA's locking reads wait for prepared rows: a transaction never sees its window.
  EXPECT_EQ(arm(r.report, "xa")["transient_anomaly_samples"], 0);
  // Two local commits: the sampler sees the orders between them.
  const auto& naive = arm(r.report, "naive");
  EXPECT_GT(naive["snapshot_anomaly_samples"].get<int>() +
                naive["transient_anomaly_samples"].get<int>() +
                naive["permanent_anomalies"].get<int>(),
            0)
      << "naive showed no anomaly at all";
  // The saga is visibly inconsistent between its steps, and says so.
  EXPECT_GT(arm(r.report, "saga")["snapshot_anomaly_samples"].get<int>(), 0);
}

TEST(CompareSmoke, APlantedAnomalyInASettledSagaRunIsReportedAndFails) {
  auto r = run_compare("--quick --seed 12 --architectures saga --plant-anomaly saga");
  ASSERT_TRUE(r.report.is_object()) << "no compare.json";
  EXPECT_EQ(r.exit_code, 1);
  const auto& saga = arm(r.report, "saga");
  EXPECT_FALSE(saga["kept_promise"].get<bool>());
  EXPECT_GT(saga["permanent_anomalies"].get<int>(), 0);
  EXPECT_NE(
      saga["permanent_examples"].dump().find("cancelled order with a payment that is not refunded"),
      std::string::npos)
      << saga["permanent_examples"].dump();
}

TEST(CompareSmoke, AnUnknownArmIsAUsageError) {
  auto r = run_compare("--architectures xa,2pc");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown architecture '2pc'"), std::string::npos);
}

}  // namespace
}  // namespace xacoord::test
