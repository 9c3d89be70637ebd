// What the broker tests share: a private Redis (compose/local/broker on a free port under
// the run's scratch space), clients for it, and coroutine bodies run to completion.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "coordinator/broker/redis_client.h"
#include "coordinator/broker/streams.h"
#include "tests/support/test_env.h"
#include "tools/harness/local_broker.h"

// ASSERT_* returns, which a coroutine may not: these end the coroutine body instead.
#define CO_ASSERT_TRUE(cond)             \
  do {                                   \
    if (!(cond)) {                       \
      ADD_FAILURE() << "failed: " #cond; \
      co_return;                         \
    }                                    \
  } while (0)
#define CO_ASSERT_EQ(a, b)        \
  do {                            \
    EXPECT_EQ(a, b);              \
    if (!((a) == (b))) co_return; \
  } while (0)

namespace xacoord::broker::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

inline asio::awaitable<void> sleep_for(std::chrono::milliseconds ms) {
  asio::steady_timer t(co_await asio::this_coro::executor, ms);
  co_await t.async_wait(asio::use_awaitable);
}

// The code of the BrokerError that `body` throws (fails the test if it throws none).
template <typename Body>
asio::awaitable<BrokerErrc> error_of(Body body) {
  try {
    co_await body();
  } catch (const BrokerError& e) {
    co_return e.code();
  }
  ADD_FAILURE() << "no BrokerError";
  co_return BrokerErrc::kProtocol;
}

class BrokerTest : public ::testing::Test {
 protected:
  void SetUp() override { broker_ = start_broker(); }

  static std::unique_ptr<harness::LocalBroker> start_broker(harness::LocalBrokerOptions o = {}) {
    return harness::LocalBroker::start(xacoord::test::scratch_dir("broker"), o);
  }

  // Short timeouts: a test that fails should fail in seconds.
  RedisOptions options(const harness::LocalBroker& b) const {
    RedisOptions o = parse_redis_url(b.url());
    o.command_timeout = 2000ms;
    o.connect_timeout = 500ms;
    o.backoff_initial = 20ms;
    o.backoff_max = 200ms;
    return o;
  }
  std::unique_ptr<RedisClient> client(const asio::any_io_executor& ex) {
    return std::make_unique<RedisClient>(ex, options(*broker_));
  }
  // A stream name of this test's own.
  std::string stream(const std::string& what = "s") const {
    return xacoord::test::unique_name("test:" + what);
  }

  // Runs `body` (a coroutine) on a fresh io_context until it ends; rethrows its failure.
  // Clients made inside the body are gone when it ends, so the io_context runs dry.
  template <typename Body>
  void run(Body body) {
    asio::io_context io;
    auto done = asio::co_spawn(io, body(), asio::use_future);
    io.run();
    done.get();
  }

  std::unique_ptr<harness::LocalBroker> broker_;
};

inline Message message(const std::string& id, const std::string& payload = "{}") {
  return Message{id, "test", payload, ""};
}

}  // namespace xacoord::broker::test
