// The pool and its sessions: bounded, fair to waiters, and a discarded session is
// replaced; run_parallel runs jobs at the same time. Each test runs on both implementations
// of the Session seam: the non-blocking one (participants/async_session.h, serve's
// default) and Connector/C++ on lanes (participants/lane_session.h).
#include "participants/pool.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "participants/async_session.h"
#include "participants/lane_session.h"
#include "tests/support/db_pair.h"

namespace xacoord::db {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

class PoolTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    pair_ = test::DbPair::shared();
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
    auto endpoint = Endpoint::parse(pair_->orders_url());
    if (GetParam() == "lanes") {
      factory_ = std::make_unique<LaneSessionFactory>("orders", endpoint, Timeouts{});
    } else {
      factory_ = std::make_unique<AsyncSessionFactory>("orders", endpoint, Timeouts{});
    }
  }
  // Runs `body` as a coroutine on the test's io_context until it finishes.
  template <typename Body>
  void run(Body body) {
    auto done = asio::co_spawn(io_, body(), asio::use_future);
    io_.run();
    io_.restart();
    done.get();
  }
  static asio::awaitable<std::int64_t> session_id(Session& s) {
    Rows rows = co_await query(s, "SELECT CONNECTION_ID()");
    co_return single_int(rows);
  }
  asio::io_context io_;
  std::unique_ptr<test::DbPair> pair_;
  std::unique_ptr<SessionFactory> factory_;
};

TEST_P(PoolTest, SessionsSurviveBetweenUses) {
  Pool pool(io_.get_executor(), *factory_, 2);
  run([&]() -> asio::awaitable<void> {
    std::int64_t first_id = 0;
    {
      Lease lease = co_await pool.acquire(Clock::now() + std::chrono::seconds(5));
      first_id = co_await session_id(lease.session());
      EXPECT_EQ(lease.session().server_session_id(), first_id);
    }
    Lease again = co_await pool.acquire(Clock::now() + std::chrono::seconds(5));
    auto second_id = co_await session_id(again.session());
    EXPECT_EQ(first_id, second_id);  // the warm session is reused
  });
}

TEST_P(PoolTest, ADiscardedSessionIsReplacedBeforeTheNextUser) {
  Pool pool(io_.get_executor(), *factory_, 1);
  run([&]() -> asio::awaitable<void> {
    std::int64_t first_id = 0;
    {
      Lease lease = co_await pool.acquire(Clock::now() + std::chrono::seconds(5));
      first_id = co_await session_id(lease.session());
      lease.discard_session();
    }
    Lease next = co_await pool.acquire(Clock::now() + std::chrono::seconds(5));
    auto second_id = co_await session_id(next.session());
    EXPECT_NE(first_id, second_id);
  });
}

TEST_P(PoolTest, ExhaustedPoolMakesWaitersTimeOutAndServesThemOnRelease) {
  Pool pool(io_.get_executor(), *factory_, 1);
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

TEST_P(PoolTest, ParallelJobsRunAtTheSameTime) {
  Pool pool(io_.get_executor(), *factory_, 2);
  run([&]() -> asio::awaitable<void> {
    Lease a = co_await pool.acquire(Clock::now() + std::chrono::seconds(5));
    Lease b = co_await pool.acquire(Clock::now() + std::chrono::seconds(5));
    // The slow job is started first; if the jobs ran one after the other, it would also
    // end first. No timing threshold: only the order in which they end.
    std::vector<SessionJob> jobs;
    jobs.push_back({&a.session(), {"SELECT SLEEP(0.5)"}});
    jobs.push_back({&b.session(), {"SELECT 1"}});
    std::vector<std::size_t> ended;
    auto errors = co_await run_parallel(
        std::move(jobs), [&](std::size_t i, std::exception_ptr) { ended.push_back(i); });
    EXPECT_FALSE(errors[0]);
    EXPECT_FALSE(errors[1]);
    EXPECT_EQ(ended, (std::vector<std::size_t>{1, 0}));
  });
}

TEST_P(PoolTest, ParallelJobsReportEachFailureWithoutThrowing) {
  Pool pool(io_.get_executor(), *factory_, 2);
  run([&]() -> asio::awaitable<void> {
    Lease a = co_await pool.acquire(Clock::now() + std::chrono::seconds(5));
    Lease b = co_await pool.acquire(Clock::now() + std::chrono::seconds(5));
    std::vector<SessionJob> jobs;
    jobs.push_back({&a.session(), {"SELECT * FROM no_such_table"}});
    jobs.push_back({&b.session(), {"SELECT 1"}});
    auto errors = co_await run_parallel(std::move(jobs));
    EXPECT_TRUE(errors[0]);
    EXPECT_FALSE(errors[1]);
  });
}

INSTANTIATE_TEST_SUITE_P(Sessions, PoolTest, ::testing::Values("async", "lanes"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace xacoord::db
