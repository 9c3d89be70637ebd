// Graceful shutdown: SIGTERM while transactions are in flight. The coordinator stops
// accepting, closes idle connections, lets the transactions finish and answer, then
// exits 0.
#include <signal.h>

#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "participants/connection.h"
#include "tests/coordinator/http/http_fixture.h"
#include "tools/report/prometheus_text.h"
#include "tests/support/shop.h"

namespace xacoord::test {
namespace {

using report::parse_prometheus_text;

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// The first event line named `event` in the log, parsed; null if there is none.
nlohmann::json event_line(const std::string& log, const std::string& event) {
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("event", "") == event) return j;
  }
  return nullptr;
}

// Polls /metrics until the coordinator has `n` transactions in flight.
bool wait_in_flight(const CoordinatorProcess& coordinator, int n, milliseconds timeout) {
  auto until = Clock::now() + timeout;
  while (Clock::now() < until) {
    auto c = coordinator.client(seconds(5));
    auto scrape = parse_prometheus_text(c.get("/metrics").body);
    if (scrape.value("xacoord_transactions_in_flight") == n) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return false;
}

TEST(ShutdownTest, SigtermLetsTransactionsInFlightFinishAndExitsZero) {
  auto pair = DbPair::shared();
  if (!pair) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  auto coordinator = start_coordinator(*pair, {"--shutdown-grace", "20s"});
  auto c = coordinator->client();
  auto account = open_account(c, "drain", 10'000);
  std::vector<std::int64_t> orders;
  for (int i = 0; i < 3; ++i)
    orders.push_back(create_order(c, account, 100 + i));

  // Hold the orders' rows locked from outside, so the pays stay in flight (each waits for
  // its row lock, well within the coordinator's lock wait timeout) until we let go.
  auto blocker = pair->connect("orders");
  blocker->execute("START TRANSACTION");
  std::string ids;
  for (auto id : orders)
    ids += (ids.empty() ? "" : ",") + std::to_string(id);
  blocker->query("SELECT order_id FROM orders WHERE order_id IN (" + ids + ") FOR UPDATE");

  std::vector<HttpReply> replies(orders.size());
  std::vector<std::thread> payers;
  for (std::size_t i = 0; i < orders.size(); ++i) {
    payers.emplace_back([&, i] {
      auto own = coordinator->client(seconds(30));
      try {
        replies[i] = pay(own, orders[i]);
      } catch (const std::exception& e) {
        replies[i].body = e.what();
      }
    });
  }
  ASSERT_TRUE(wait_in_flight(*coordinator, 3, seconds(10)));

  // An idle keep-alive connection, to see that the stop closes it.
  RawConnection idle(coordinator->port());
  idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(idle.read_response(seconds(5)));

  coordinator->signal(SIGTERM);
  ASSERT_TRUE(coordinator->wait_for_log("\"event\":\"stopping\"", seconds(5)));
  EXPECT_EQ(event_line(coordinator->log_text(), "stopping").value("in_flight", -1), 3);
  // Stop accepting: new connections are refused while the transactions still run.
  bool refused = false;
  for (auto until = Clock::now() + seconds(3); !refused && Clock::now() < until;) {
    refused = connection_refused(coordinator->port());
    if (!refused) std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_TRUE(refused);
  EXPECT_TRUE(idle.wait_closed(seconds(3))) << "idle connections are closed at once";
  EXPECT_TRUE(coordinator->running()) << "still draining";

  blocker->execute("COMMIT");
  for (auto& t : payers)
    t.join();
  for (std::size_t i = 0; i < orders.size(); ++i) {
    EXPECT_EQ(replies[i].status, 200) << replies[i].body;
    EXPECT_EQ(replies[i].json()["status"], "PAID");
    EXPECT_EQ(replies[i].headers["connection"], "close") << "the last answer on its connection";
  }

  auto exit = coordinator->wait_exit(seconds(15));
  ASSERT_TRUE(exit) << coordinator->log_text();
  EXPECT_FALSE(exit->signaled);
  EXPECT_EQ(exit->code, 0) << coordinator->log_text();
  auto stopped = event_line(coordinator->log_text(), "stopped");
  ASSERT_TRUE(stopped.is_object()) << coordinator->log_text();
  EXPECT_EQ(stopped.value("in_flight", -1), 0) << stopped;
  EXPECT_EQ(stopped.value("unanswered_requests", -1), 0) << stopped;

  // What was answered is in the database.
  auto check = pair->connect("orders");
  auto rows = check->query("SELECT COUNT(*) FROM orders WHERE status = 'PAID' AND order_id IN (" +
                           ids + ")");
  EXPECT_EQ(db::as_int(rows[0], 0), 3);
}

TEST(ShutdownTest, SigintOnAnIdleCoordinatorExitsZeroAtOnce) {
  auto pair = DbPair::shared();
  if (!pair) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  auto coordinator = start_coordinator(*pair);
  auto began = Clock::now();
  coordinator->signal(SIGINT);
  auto exit = coordinator->wait_exit(seconds(10));
  ASSERT_TRUE(exit);
  EXPECT_FALSE(exit->signaled);
  EXPECT_EQ(exit->code, 0);
  EXPECT_LT(Clock::now() - began, seconds(5));
}

}  // namespace
}  // namespace xacoord::test
