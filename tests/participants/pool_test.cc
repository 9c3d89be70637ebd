// The pool and its lanes: bounded, fair to waiters, and a discarded session is replaced.
#include "participants/pool.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "tests/support/db_pair.h"

namespace xacoord::db {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

class PoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = test::DbPair::shared();
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  }
  // Runs `body` as a coroutine on a fresh io_context until it finishes.
  template <typename Body>
  void run(Body body) {
    asio::io_context io;
    auto done = asio::co_spawn(io, body(), asio::use_future);
    io.run();
    done.get();
  }
  std::unique_ptr<test::DbPair> pair_;
};

TEST_F(PoolTest, SessionsRunOnTheirLaneAndSurviveBetweenUses) {
  Pool pool("orders", Endpoint::parse(pair_->orders_url()), Timeouts{}, 2);
  run([&]() -> asio::awaitable<void> {
    std::int64_t first_id = 0;
    {
      Lease lease = co_await pool.acquire(Clock::now() + std::chrono::seconds(5));
      first_id = co_await run_on(lease.lane(), [](Connection& c) { return c.connection_id(); });
    }
    Lease again = co_await pool.acquire(Clock::now() + std::chrono::seconds(5));
    auto second_id = co_await run_on(again.lane(), [](Connection& c) { return c.connection_id(); });
    EXPECT_EQ(first_id, second_id);  // the warm session is reused
  });
}

TEST_F(PoolTest, ADiscardedSessionIsReplacedBeforeTheNextUser) {
  Pool pool("orders", Endpoint::parse(pair_->orders_url()), Timeouts{}, 1);
  run([&]() -> asio::awaitable<void> {
    std::int64_t first_id = 0;
    {
      Lease lease = co_await pool.acquire(Clock::now() + std::chrono::seconds(5));
      first_id = co_await run_on(lease.lane(), [](Connection& c) { return c.connection_id(); });
      lease.discard_session();
    }
    Lease next = co_await pool.acquire(Clock::now() + std::chrono::seconds(5));
    auto second_id = co_await run_on(next.lane(), [](Connection& c) { return c.connection_id(); });
    EXPECT_NE(first_id, second_id);
  });
}

TEST_F(PoolTest, ExhaustedPoolMakesWaitersTimeOutAndServesThemOnRelease) {
  Pool pool("orders", Endpoint::parse(pair_->orders_url()), Timeouts{}, 1);
  run([&]() -> asio::awaitable<void> {
    Lease held = co_await pool.acquire(Clock::now() + std::chrono::seconds(5));
    bool exhausted = false;
    try {
      co_await pool.acquire(Clock::now() + std::chrono::milliseconds(50));
    } catch (const PoolExhausted&) {
      exhausted = true;
    }
    EXPECT_TRUE(exhausted);
    EXPECT_EQ(pool.waiting(), 0u);
    held.release();
    Lease next = co_await pool.acquire(Clock::now() + std::chrono::milliseconds(50));
    EXPECT_TRUE(static_cast<bool>(next));
  });
}

TEST_F(PoolTest, ParallelJobsRunAtTheSameTime) {
  Pool pool("orders", Endpoint::parse(pair_->orders_url()), Timeouts{}, 2);
  run([&]() -> asio::awaitable<void> {
    Lease a = co_await pool.acquire(Clock::now() + std::chrono::seconds(5));
    Lease b = co_await pool.acquire(Clock::now() + std::chrono::seconds(5));
    // Each job records when it ran; the intervals must overlap (no timing threshold).
    Clock::time_point start[2], end[2];
    std::vector<LaneJob> jobs;
    for (int i = 0; i < 2; ++i) {
      jobs.push_back({i == 0 ? &a.lane() : &b.lane(), [&, i](Connection& c) {
                        start[i] = Clock::now();
                        c.query("SELECT SLEEP(0.2)");
                        end[i] = Clock::now();
                      }});
    }
    auto errors = co_await run_parallel(std::move(jobs));
    EXPECT_FALSE(errors[0]);
    EXPECT_FALSE(errors[1]);
    EXPECT_LT(start[0], end[1]);
    EXPECT_LT(start[1], end[0]);
  });
}

}  // namespace
}  // namespace xacoord::db
