// A database that does not answer: pay is a 503 with Retry-After and changes nothing;
// once the database is back the same request succeeds.
#include <thread>

#include <gtest/gtest.h>

#include "participants/connection.h"
#include "tests/coordinator/http/http_fixture.h"
#include "tests/support/shop.h"

namespace xacoord::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

bool wait_health(const CoordinatorProcess& coordinator, int status, seconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    try {
      if (coordinator.client(seconds(5)).get("/healthz").status == status) return true;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

TEST(UnavailableTest, PayWhilePaymentsIsDownIs503AndChangesNothing) {
  if (!have_shared_pair()) GTEST_SKIP() << "needs the MariaDB of `make test`";
  auto pair = DbPair::start_private();
  auto coordinator = start_coordinator(*pair, {"--health-interval", "200ms"});
  auto c = coordinator->client();
  auto account = open_account(c, "down", 1'000);
  auto order = create_order(c, account, 100);

  pair->kill("payments");
  ASSERT_TRUE(wait_health(*coordinator, 503, seconds(10)));
  auto health = coordinator->client().get("/healthz").json();
  EXPECT_EQ(health["databases"]["payments"], "down");

  auto refused = pay(c, order, "down-key");
  EXPECT_TRUE(is_problem(refused, 503, "unavailable"));
  EXPECT_FALSE(refused.headers["retry-after"].empty());
  EXPECT_GE(std::stoi(refused.headers["retry-after"]), 1);
  auto orders_db = pair->connect("orders");
  auto status =
      orders_db->query("SELECT status FROM orders WHERE order_id = " + std::to_string(order));
  EXPECT_EQ(db::as_string(status[0], 0), "PENDING") << "nothing changed";
  EXPECT_TRUE(is_problem(c.get("/v1/accounts/" + account), 503, "unavailable"));

  pair->start("payments");
  ASSERT_TRUE(wait_health(*coordinator, 200, seconds(20)));
  // As a client should: retry the 503 with the same key. (A pooled session that died
  // with the server may cost an attempt before it is replaced.)
  HttpReply retried;
  for (int attempt = 0; attempt < 10; ++attempt) {
    retried = pay(c, order, "down-key");
    if (retried.status != 503) break;
    std::this_thread::sleep_for(milliseconds(200));
  }
  EXPECT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(balance(c, account), 900);
}

}  // namespace
}  // namespace xacoord::test
