// Reading the coordinator's event log back: the recovery a restart ran, and which
// transactions count as aborted (work rolled back) and which as refused (nothing written).
#include "tools/chaos/coordinator_events.h"

#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/test_env.h"

namespace xacoord::chaos {
namespace {

nlohmann::json txn(std::int64_t order, const std::string& outcome, int status,
                   bool replayed = false) {
  nlohmann::json e{{"event", "transaction"}, {"order_id", order}, {"outcome", outcome}};
  if (status) e["http_status"] = status;
  if (replayed) e["replayed"] = true;
  return e;
}

TEST(CoordinatorEvents, AbortsThatWroteSomethingAreToldFromRefusals) {
  std::vector<nlohmann::json> events{
      txn(1, "ABORTED", 422),                  // the debit refused: both branches rolled back
      txn(1, "ABORTED", 503),                  // a fault: retried later
      txn(1, "ABORTING", 503),                 // its rollback handed to recovery
      txn(1, "ABORTED", 0),                    // the same key raced: retried at once
      txn(2, "ABORTED", 409),                  // the order was final
      txn(2, "ABORTED", 200, true),            // an answer replayed from its key
      txn(2, "ABORTED", 200),                  // a cancel of a cancelled order
      txn(2, "ABORTED", 404),                  // no such order
      txn(2, "COMMITTED", 200),                // not an abort
      txn(3, "ABORTED", 422),                  // another run's order
      {{"event", "ready"}, {"order_id", 1}}};  // not a transaction
  auto counts = count_aborts(events, {1, 2});
  EXPECT_EQ(counts.aborted, 4u);
  EXPECT_EQ(counts.refused, 4u);
}

TEST(CoordinatorEvents, ReadsEventLinesFromAnOffsetAndTheFirstRecovery) {
  std::string path = test::scratch_dir("events") + "/coordinator.log";
  {
    std::ofstream out(path);
    out << "{\"event\":\"recovery_started\",\"open_decisions\":9,\"to_roll_back\":9}\n";
  }
  auto offset = log_size(path);
  {
    std::ofstream out(path, std::ios::app);
    out << "xacoord serve: a line that is not an event\n"
        << "{\"event\":\"listening\"}\n"
        << "{\"event\":\"recovery_started\",\"open_decisions\":2,\"to_roll_back\":1}\n"
        << "{\"event\":\"recovery_started\",\"open_decisions\":5,\"to_roll_back\":5}\n"
        << "{\"event\":\"transaction\",\"order_id\":4,\"outc";  // cut short by a SIGKILL
  }
  auto events = read_events(path, offset);
  ASSERT_EQ(events.size(), 3u);
  auto found = first_recovery_started(events);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->open_decisions, 2u);
  EXPECT_EQ(found->to_roll_back, 1u);
  EXPECT_FALSE(first_recovery_started({{{"event", "ready"}}}).has_value());
  EXPECT_EQ(log_size(path + ".missing"), 0u);
}

}  // namespace
}  // namespace xacoord::chaos
