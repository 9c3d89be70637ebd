// What chaos says a fault found in flight: read from the phase gauge, or pieced together
// from recovery and the clients' history after a crash point.
#include "tools/chaos/in_flight.h"

#include <gtest/gtest.h>

namespace xacoord::chaos {
namespace {

const char* kScrape =
    "# HELP xacoord_transactions_in_phase Live transactions by phase\n"
    "# TYPE xacoord_transactions_in_phase gauge\n"
    "xacoord_transactions_in_phase{phase=\"before_prepare\"} 5\n"
    "xacoord_transactions_in_phase{phase=\"prepared_undecided\"} 2\n"
    "xacoord_transactions_in_phase{phase=\"decided_uncommitted\"} 1\n";

TEST(InFlight, ReadsEachPhaseFromTheGauge) {
  auto f = in_flight_from_metrics(kScrape);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->before_prepare, 5u);
  EXPECT_EQ(f->prepared_undecided, 2u);
  EXPECT_EQ(f->decided_uncommitted, 1u);
  EXPECT_EQ(f->total(), 8u);
}

TEST(InFlight, AScrapeWithoutTheGaugeMeasuresNothing) {
  // A coordinator from before the gauge: "not measured", never "nothing in flight".
  EXPECT_FALSE(in_flight_from_metrics("# HELP xacoord_ready r\n# TYPE xacoord_ready gauge\n"
                                      "xacoord_ready 1\n")
                   .has_value());
  std::string partial = kScrape;
  partial.erase(partial.find("xacoord_transactions_in_phase{phase=\"decided"));
  EXPECT_FALSE(in_flight_from_metrics(partial).has_value());
}

TEST(InFlight, RecoveryGivesTheDecidedAndPreparedPhasesAndTheClientsTheRest) {
  auto f = in_flight_from_recovery(RecoveryFound{2, 1}, 7);
  EXPECT_EQ(f.decided_uncommitted, 2u);
  EXPECT_EQ(f.prepared_undecided, 1u);
  EXPECT_EQ(f.before_prepare, 4u);
  // Recovery may find more than the clients were waiting for (a transaction answered
  // already, whose phase two was still going): never a negative remainder.
  EXPECT_EQ(in_flight_from_recovery(RecoveryFound{3, 2}, 4).before_prepare, 0u);
}

TEST(InFlight, OutstandingRequestsSpanTheInstant) {
  auto op = [](double sent, double answered, int status) {
    workload::Op o;
    o.sent_at = sent;
    o.answered_at = answered;
    o.status = status;
    return o;
  };
  std::vector<workload::Op> ops{op(0.1, 0.2, 200),   // done before
                                op(0.4, 0.9, 200),   // outstanding
                                op(0.5, 0, 0),       // never answered: outstanding
                                op(0.6, 0.7, 409)};  // sent after
  EXPECT_EQ(requests_outstanding_at(ops, 0.55), 2u);
  EXPECT_EQ(requests_outstanding_at(ops, 0.05), 0u);
}

TEST(PhaseSamples, CountSamplesWithEachPhaseBusy) {
  PhaseSamples s;
  s.add({1, 1, 1});
  s.add({2, 0, 1});
  s.add({0, 0, 0});
  s.add({0, 3, 0});
  EXPECT_EQ(s.samples, 4u);
  EXPECT_EQ(s.with_before_prepare, 2u);
  EXPECT_EQ(s.with_prepared_undecided, 2u);
  EXPECT_EQ(s.with_decided_uncommitted, 2u);
  EXPECT_EQ(s.with_every_phase, 1u);
  EXPECT_EQ(s.with_none, 1u);
  EXPECT_DOUBLE_EQ(s.to_json()["share_with_none"].get<double>(), 0.25);
}

}  // namespace
}  // namespace xacoord::chaos
