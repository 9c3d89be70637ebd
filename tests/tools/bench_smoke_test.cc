// `xacoord bench` as users run it, briefly: every mode pays orders without errors and the
// report carries the ratios. (It measures nothing here: figures come from real runs.)
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/db_pair.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

TEST(BenchSmoke, EveryModePaysAndTheReportHasRatios) {
  auto pair = DbPair::shared();
  if (!pair) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  std::string dir = scratch_dir("bench");
  std::string cmd =
      "'" + binary_path() +
      "' bench --quiet --concurrency 1,4 --duration 1s --repeat 1 --accounts 20 --orders '" +
      pair->orders_url() + "' --payments '" + pair->payments_url() + "' --json '" + dir +
      "/bench.json' --svg-dir '" + dir + "' --var '" + dir + "' > '" + dir + "/bench.out' 2>&1";
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::ifstream in(dir + "/bench.json");
  auto report = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(report.is_object());
  ASSERT_EQ(report["results"].size(), 8u);  // four modes at two concurrencies
  for (const auto& r : report["results"]) {
    EXPECT_GT(r["transactions"].get<int>(), 0) << r["mode"];
    EXPECT_EQ(r["errors"], 0) << r["mode"];
  }
  ASSERT_EQ(report["ratios"].size(), 2u);
  EXPECT_GT(report["ratios"][0]["xacoord_over_floor"].get<double>(), 0);
  EXPECT_GT(report["ratios"][0]["xacoord_over_batched_floor"].get<double>(), 0);
  // The load generator's and the coordinator's CPU are measured, per pay too.
  for (const auto& r : report["results"]) {
    if (r["mode"] != "xacoord") continue;
    EXPECT_GT(r["load_generator_cpu_cores"].get<double>(), 0);
    EXPECT_GT(r["coordinator_cpu_us_per_pay"].get<double>(), 0);
  }
  EXPECT_TRUE(std::ifstream(dir + "/throughput.svg").good());
}

// `bench --scale-out`: one coordinator on its log and 1-2 on an etcd of bench's own, every pay
// answered, each set-up with its ratio to the file log and its coordinators' CPU.
TEST(BenchSmoke, ScaleOutMeasuresEverySetUpWithoutErrors) {
  auto pair = DbPair::shared();
  if (!pair) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  std::string dir = scratch_dir("bench-scale-out");
  std::string cmd = "XACOORD_SOURCE_DIR='" + source_dir() + "' '" + binary_path() +
                    "' bench --quiet --scale-out 1,2 --concurrency 4 --duration 1s --repeat 1 "
                    "--accounts 20 --orders '" +
                    pair->orders_url() + "' --payments '" + pair->payments_url() + "' --json '" +
                    dir + "/scale-out.json' --var '" + dir + "' > '" + dir + "/bench.out' 2>&1";
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  // What bench said goes into the failure: the scratch folder is gone after the run.
  std::ifstream said(dir + "/bench.out");
  std::string output((std::istreambuf_iterator<char>(said)), std::istreambuf_iterator<char>());
  EXPECT_EQ(WEXITSTATUS(status), 0) << output;
  std::ifstream in(dir + "/scale-out.json");
  auto report = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(report.is_object());
  ASSERT_EQ(report["scale_out"].size(), 3u);  // 1 x file, 1 x etcd, 2 x etcd
  std::set<std::string> setups;
  for (const auto& r : report["scale_out"]) {
    setups.insert(r["decision_store"].get<std::string>() +
                  std::to_string(r["coordinators"].get<int>()));
    EXPECT_GT(r["pays"].get<int>(), 0) << r.dump();
    EXPECT_EQ(r["errors"], 0) << r.dump();
    EXPECT_GT(r["coordinators_us_per_pay"].get<double>(), 0) << r.dump();
  }
  EXPECT_EQ(setups, (std::set<std::string>{"file1", "etcd1", "etcd2"}));
}

}  // namespace
}  // namespace xacoord::test
