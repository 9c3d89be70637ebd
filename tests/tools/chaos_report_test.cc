// The chaos report's verdict on what the faults found: a random fault that struck nothing
// is marked, and too many of them fail the whole run.
#include "tools/chaos/report.h"

#include <gtest/gtest.h>

namespace xacoord::chaos {
namespace {

RunResult random_fault(std::optional<InFlight> found, bool fired = true) {
  RunResult r;
  r.fault = "kill-db:orders";
  r.random_fault = true;
  r.fault_fired = fired;
  r.in_flight_at_fault = found;
  return r;
}

TEST(ChaosReport, ARandomFaultThatFoundNothingIsMarked) {
  EXPECT_FALSE(random_fault(InFlight{0, 1, 0}).found_nothing_in_flight());
  EXPECT_TRUE(random_fault(InFlight{0, 0, 0}).found_nothing_in_flight());
  EXPECT_TRUE(random_fault(std::nullopt).found_nothing_in_flight()) << "not measured: not proven";
  EXPECT_FALSE(random_fault(InFlight{}, /*fired=*/false).found_nothing_in_flight());
  RunResult crash_point;
  crash_point.fault = "crash:before_prepare";
  crash_point.fault_fired = true;
  EXPECT_FALSE(crash_point.found_nothing_in_flight()) << "crash points strike a transaction";
}

TEST(ChaosReport, FailsWhenMoreThanTheShareOfRandomFaultsFoundNothing) {
  ChaosReport report;
  for (int i = 0; i < 150; ++i)
    report.runs.push_back(random_fault(InFlight{3, 1, 1}));
  EXPECT_FALSE(report.too_many_faults_found_nothing());
  report.runs.push_back(random_fault(InFlight{}));  // 1 of 151: within 1%
  EXPECT_FALSE(report.too_many_faults_found_nothing());
  report.runs.push_back(random_fault(InFlight{}));  // 2 of 152: over
  EXPECT_TRUE(report.too_many_faults_found_nothing());
  EXPECT_EQ(report.random_faults_finding_nothing(), 2u);
  EXPECT_EQ(report.to_json()["totals"]["random_faults_found_nothing_in_flight"], 2);

  ChaosReport small;  // a short run: one idle fault is already too many
  for (int i = 0; i < 49; ++i)
    small.runs.push_back(random_fault(InFlight{1, 0, 0}));
  small.runs.push_back(random_fault(InFlight{}));
  EXPECT_TRUE(small.too_many_faults_found_nothing());
}

TEST(ChaosReport, TheContractFieldsAreThere) {
  ChaosReport report;
  auto r = random_fault(InFlight{4, 2, 1});
  r.pays_committed = 10;
  r.refunds_committed = 3;
  r.transactions_aborted = 2;
  report.runs.push_back(r);
  report.runs.push_back(random_fault(InFlight{1, 0, 2}));
  auto j = report.to_json();
  const auto& run = j["runs"][0];
  EXPECT_EQ(run["transactions_committed"], 13);
  EXPECT_EQ(run["transactions_aborted"], 2);
  EXPECT_EQ(run["in_flight_at_fault"],
            (nlohmann::json{
                {"before_prepare", 4}, {"prepared_undecided", 2}, {"decided_uncommitted", 1}}));
  EXPECT_EQ(j["totals"]["transactions_committed"], 13);
  EXPECT_EQ(j["totals"]["in_flight_at_fault"],
            (nlohmann::json{
                {"before_prepare", 5}, {"prepared_undecided", 2}, {"decided_uncommitted", 3}}));
  // The fields that were there before stay.
  for (const char* field : {"operations", "acknowledged", "unanswered", "faults_fired",
                            "violations", "recovery_seconds_mean", "recovery_seconds_max"}) {
    EXPECT_TRUE(j["totals"].contains(field)) << field;
  }
}

}  // namespace
}  // namespace xacoord::chaos
