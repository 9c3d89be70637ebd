// The server's manners with connections: slow clients lose their socket after
// --http-read-timeout, keep-alive works, and --max-connections caps what is open.
#include <thread>

#include <gtest/gtest.h>

#include "tests/coordinator/http/http_fixture.h"
#include "tools/report/prometheus_text.h"

namespace xacoord::test {
namespace {

using report::parse_prometheus_text;

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string kHealthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

double scraped(const CoordinatorProcess& coordinator, const std::string& series) {
  auto c = coordinator.client(seconds(5));
  auto scrape = parse_prometheus_text(c.get("/metrics").body);
  return scrape.value(series).value_or(-1);
}

class LimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = DbPair::shared();
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  }
  std::unique_ptr<DbPair> pair_;
};

TEST_F(LimitsTest, ASlowClientLosesItsSocketAfterTheReadTimeout) {
  auto coordinator = start_coordinator(*pair_, {"--http-read-timeout", "500ms"});
  // Half a request line, then silence.
  RawConnection silent(coordinator->port());
  auto began = Clock::now();
  silent.send("GET /heal");
  EXPECT_TRUE(silent.wait_closed(seconds(5)));
  EXPECT_GE(Clock::now() - began, milliseconds(400)) << "closed by the timeout, not at once";

  // A trickle of bytes does not buy more time: the deadline is per request, not per read.
  RawConnection trickle(coordinator->port());
  began = Clock::now();
  bool closed = false;
  const std::string request = "POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n";
  for (std::size_t i = 0; i < 60 && !closed; ++i) {
    if (!trickle.send(std::string(1, request[i % request.size()]))) break;
    closed = trickle.wait_closed(milliseconds(100));
  }
  EXPECT_TRUE(closed || trickle.wait_closed(seconds(1)));
  EXPECT_LT(Clock::now() - began, milliseconds(3'000));

  // A complete header with a body that never comes is the same.
  RawConnection no_body(coordinator->port());
  no_body.send(
      "POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 40\r\n\r\n{\"acc");
  EXPECT_TRUE(no_body.wait_closed(seconds(5)));

  EXPECT_GE(scraped(*coordinator, "xacoord_http_read_timeouts_total"), 3);
  EXPECT_TRUE(is_healthy(*coordinator));
}

TEST_F(LimitsTest, KeepAliveServesRequestsOnOneConnectionUntilIdleTooLong) {
  auto coordinator = start_coordinator(*pair_, {"--http-read-timeout", "800ms"});
  RawConnection kept(coordinator->port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(kept.send(kHealthz));
    auto reply = kept.read_response(seconds(5));
    ASSERT_TRUE(reply) << "request " << i;
    EXPECT_EQ(reply->status, 200);
  }
  // Two requests in one write (pipelined) get two answers, in order.
  ASSERT_TRUE(kept.send(kHealthz + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = kept.read_response(seconds(5));
  auto second = kept.read_response(seconds(5));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->status, 200);
  EXPECT_TRUE(is_problem(*second, 404, "no-route"));
  // Idle longer than the read timeout: the server lets go.
  auto began = Clock::now();
  EXPECT_TRUE(kept.wait_closed(seconds(5)));
  EXPECT_GE(Clock::now() - began, milliseconds(600));

  // Connection: close is honoured.
  RawConnection once(coordinator->port());
  once.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto reply = once.read_response(seconds(5));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->headers["connection"], "close");
  EXPECT_TRUE(once.wait_closed(milliseconds(500)));
}

TEST_F(LimitsTest, ConnectionsOverTheCapGet503AndAreClosed) {
  auto coordinator = start_coordinator(*pair_, {"--max-connections", "2"});
  // Take both places. The readiness probe's own connection may still be counted for a
  // moment after it closed, so an early 503 here just means "try again".
  std::vector<std::unique_ptr<RawConnection>> held;
  auto until = Clock::now() + seconds(10);
  while (held.size() < 2 && Clock::now() < until) {
    auto conn = std::make_unique<RawConnection>(coordinator->port());
    conn->send(kHealthz);
    auto reply = conn->read_response(seconds(5));
    if (reply && reply->status == 200) {
      held.push_back(std::move(conn));
    } else {
      std::this_thread::sleep_for(milliseconds(50));
    }
  }
  ASSERT_EQ(held.size(), 2u);

  for (int i = 0; i < 3; ++i) {
    RawConnection extra(coordinator->port());
    extra.send(kHealthz);
    auto reply = extra.read_response(seconds(5));
    ASSERT_TRUE(reply);
    EXPECT_TRUE(is_problem(*reply, 503, "unavailable"));
    EXPECT_EQ(reply->headers["retry-after"], "1");
    EXPECT_TRUE(extra.wait_closed(seconds(5)));
  }
  // The held connections still work.
  ASSERT_TRUE(held[0]->send(kHealthz));
  auto still = held[0]->read_response(seconds(5));
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200);

  // Once one goes, a newcomer gets its place.
  held.pop_back();
  bool served = false;
  until = Clock::now() + seconds(5);
  while (!served && Clock::now() < until) {
    RawConnection next(coordinator->port());
    next.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    auto reply = next.read_response(seconds(5));
    if (reply && reply->status == 200) {
      served = true;
      auto scrape = parse_prometheus_text(reply->body);
      EXPECT_GE(scrape.value("xacoord_http_connections_refused_total").value_or(0), 3);
    } else {
      std::this_thread::sleep_for(milliseconds(50));
    }
  }
  EXPECT_TRUE(served);
}

}  // namespace
}  // namespace xacoord::test
