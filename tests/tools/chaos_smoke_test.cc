// `xacoord chaos` as users run it: a fixed-seed smoke over every crash point and a kill of
// each server must come out clean, with real work in flight when each fault struck, and
// the unsafe baseline must not come out clean.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

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
  // The exit status says the random faults (the kills of each server) found transactions
  // in flight; here each crash point too, and the phase its own transaction was in.
  EXPECT_EQ(r.report["totals"]["random_faults_found_nothing_in_flight"], 0);
  for (const auto& run : r.report["runs"]) {
    const std::string fault = run["fault"];
    EXPECT_TRUE(run["fault_fired"].get<bool>()) << fault << " never fired";
    // Each run must strike real work. An idle release build commits 360-940 pays per 3 s
    // run (2026-12-03; a kill of a server costs the most); the floor of 20 leaves room for
    // a loaded machine and for the sanitizer build, which is 2-4 times slower.
    EXPECT_GE(run["pays_committed"].get<int>(), 20) << fault << ": the workload moved little money";
    EXPECT_EQ(run["transactions_committed"].get<int>(),
              run["pays_committed"].get<int>() + run["refunds_committed"].get<int>());
    const auto& in_flight = run["in_flight_at_fault"];
    int total = 0;
    for (const char* phase : {"before_prepare", "prepared_undecided", "decided_uncommitted"})
      total += in_flight[phase].get<int>();
    EXPECT_GT(total, 0) << fault << " found nothing in flight";
    if (!fault.starts_with("crash:")) continue;
    EXPECT_EQ(run["in_flight_source"], "recovery") << fault;
    if (fault == "crash:after_decision_logged" || fault == "crash:after_commit_first") {
      EXPECT_GE(in_flight["decided_uncommitted"].get<int>(), 1)
          << fault << ": its own decision was logged and not finished";
    }
    if (fault == "crash:after_prepare_first" || fault == "crash:after_prepare_all") {
      EXPECT_GE(in_flight["prepared_undecided"].get<int>(), 1)
          << fault << ": its own branch was prepared with no decision";
    }
  }
  EXPECT_GT(r.report["totals"]["transactions_aborted"].get<int>(), 0)
      << "the poor accounts' pays and the faults abort transactions";
}

// The saga's crash points between its commits, and a server killed under it: its promise
// (a refused pay may leave a refunded charge, nothing else) holds once settled.
TEST(ChaosSmoke, TheSagaComesOutCleanThroughItsCrashPoints) {
  auto r = run_chaos(
      "--architecture saga --seed 5 --runs 4 --duration 2s --clients 6 --faults "
      "crash:saga_after_step1,crash:saga_before_compensation,crash:saga_after_cancel_step1,"
      "kill-db:payments");
  ASSERT_TRUE(r.report.is_object()) << "no report was written";
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.report["architecture"], "saga");
  EXPECT_EQ(r.report["totals"]["violations"], 0);
  EXPECT_EQ(r.report["totals"]["unanswered"], 0);
  for (const auto& run : r.report["runs"])
    EXPECT_TRUE(run["fault_fired"].get<bool>()) << run["fault"] << " never fired";
}

// The outbox's relay and consumer crash points, and its broker killed -9 under load: every
// accepted pay ends PAID, CANCELLED (no or a refunded charge) or PENDING, once settled.
TEST(ChaosSmoke, TheOutboxComesOutCleanThroughItsCrashPointsAndABrokerKill) {
  auto r = run_chaos(
      "--architecture outbox --seed 5 --runs 3 --duration 2s --clients 6 --faults "
      "crash:outbox_relay_after_publish,crash:outbox_after_charge_commit,kill-broker");
  ASSERT_TRUE(r.report.is_object()) << "no report was written";
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.report["architecture"], "outbox");
  EXPECT_EQ(r.report["totals"]["violations"], 0);
  EXPECT_EQ(r.report["totals"]["unanswered"], 0);
  for (const auto& run : r.report["runs"])
    EXPECT_TRUE(run["fault_fired"].get<bool>()) << run["fault"] << " never fired";
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

// Three coordinators sharing one etcd (chaos starts its own cluster): one SIGKILLed and kept
// down is taken over by a survivor within contract §9's bound, an etcd member SIGKILLed
// costs no pay, and a coordinator dying at a crash point comes back; the clients' requests
// go round the three nodes, so pays and their racing cancels meet on different nodes.
TEST(ChaosSmoke, ThreeCoordinatorsOnEtcdComeOutCleanThroughANodeKillAndAMemberKill) {
  auto r = run_chaos(
      "--nodes 3 --decision-store etcd --takeover-after 2s --seed 11 --runs 3 --duration 3s "
      "--clients 6 --faults kill-node,kill-etcd-member,crash:after_prepare_all");
  ASSERT_TRUE(r.report.is_object()) << "no report was written";
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.report["nodes"], 3);
  EXPECT_EQ(r.report["decision_store"], "etcd");
  EXPECT_EQ(r.report["totals"]["violations"], 0);
  EXPECT_EQ(r.report["totals"]["unanswered"], 0);
  std::set<std::string> fired;
  for (const auto& run : r.report["runs"]) {
    EXPECT_TRUE(run["fault_fired"].get<bool>()) << run["fault"] << " never fired";
    EXPECT_GE(run["pays_committed"].get<int>(), 10) << run["fault"];
    fired.insert(run["fault"].get<std::string>().substr(0, 9));
  }
  EXPECT_EQ(fired.size(), 3u);
  const auto& takeovers = r.report["totals"]["takeover_seconds"];
  ASSERT_GE(takeovers["count"].get<int>(), 1) << "the killed node was never taken over";
  EXPECT_LE(takeovers["max"].get<double>(), 2 + 5) << "contract §9: --takeover-after + 5 s";
  EXPECT_GE(r.report["totals"]["takeovers"].get<int>(), 1);
}

}  // namespace
}  // namespace xacoord::test
