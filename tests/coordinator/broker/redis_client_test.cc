// The Redis client against a real redis-server: replies, pipelining, errors, deadlines,
// and reconnecting after the broker was killed, stalled or restarted.
#include "coordinator/broker/redis_client.h"

#include <thread>

#include "tests/coordinator/broker/broker_fixture.h"

namespace xacoord::broker::test {
namespace {

class RedisClientTest : public BrokerTest {};

TEST_F(RedisClientTest, RepliesComeBackBinarySafe) {
  run([&]() -> asio::awaitable<void> {
    auto c = client(co_await asio::this_coro::executor);
    std::string key = stream("k");
    std::string value("a\0b\r\nc", 6);
    Reply set = co_await c->command(cmd("SET", key, value));
    EXPECT_EQ(set.type, Reply::Type::kStatus);
    EXPECT_EQ(set.str, "OK");
    Reply got = co_await c->command(cmd("GET", key));
    EXPECT_EQ(got.type, Reply::Type::kString);
    EXPECT_EQ(got.str, value);
    EXPECT_TRUE((co_await c->command(cmd("GET", key + "-missing"))).is_nil());
    EXPECT_EQ((co_await c->command(cmd("INCRBY", key + "-n", "41"))).integer, 41);
    EXPECT_TRUE(c->connected());
    EXPECT_EQ(c->stats().connects, 1u);
  });
}

TEST_F(RedisClientTest, ErrorReplyIsServerErrorWithItsCode) {
  run([&]() -> asio::awaitable<void> {
    auto c = client(co_await asio::this_coro::executor);
    try {
      co_await c->command(cmd("XREADGROUP", "GROUP", "nogroup", "c", "STREAMS", stream(), ">"));
      ADD_FAILURE() << "no error";
    } catch (const BrokerError& e) {
      EXPECT_EQ(e.code(), BrokerErrc::kServer);
      EXPECT_EQ(e.server_code(), "NOGROUP");
      EXPECT_FALSE(e.outcome_unknown());
    }
    // The connection is fine after an error reply.
    EXPECT_EQ((co_await c->command(cmd("PING"))).str, "PONG");
    EXPECT_EQ(c->stats().connects, 1u);
  });
}

TEST_F(RedisClientTest, PipelineAnswersEachCommandInOrder) {
  run([&]() -> asio::awaitable<void> {
    auto c = client(co_await asio::this_coro::executor);
    std::string key = stream("counter");
    std::vector<Command> commands;
    for (int i = 0; i < 200; ++i)
      commands.push_back({"INCR", key});
    commands[100] = {"LPUSH", key, "x"};  // WRONGTYPE: fails alone
    auto outcomes = co_await c->pipeline(commands);
    CO_ASSERT_EQ(outcomes.size(), 200u);
    for (int i = 0; i < 200; ++i) {
      if (i == 100) {
        CO_ASSERT_TRUE(!(outcomes[i].ok()));
        EXPECT_EQ(outcomes[i].error->server_code(), "WRONGTYPE");
      } else {
        if (!outcomes[i].ok()) {
          ADD_FAILURE() << i << ": " << outcomes[i].error->what();
          co_return;
        }
        EXPECT_EQ(outcomes[i].reply.integer, i < 100 ? i + 1 : i);
      }
    }
  });
}

TEST_F(RedisClientTest, ConcurrentCallsFromManyCoroutinesShareOneConnection) {
  run([&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    auto c = client(ex);
    std::string key = stream("shared");
    int finished = 0;
    for (int i = 0; i < 50; ++i) {
      asio::co_spawn(
          ex,
          [&]() -> asio::awaitable<void> {
            co_await c->command(cmd("INCR", key));
            ++finished;
          },
          asio::detached);
    }
    while (finished < 50)
      co_await sleep_for(5ms);
    EXPECT_EQ((co_await c->command(cmd("GET", key))).str, "50");
    EXPECT_EQ(c->stats().connects, 1u);
  });
}

TEST_F(RedisClientTest, NoBrokerMeansUnavailableAtTheDeadline) {
  run([&]() -> asio::awaitable<void> {
    RedisOptions o = options(*broker_);
    o.port = xacoord::test::free_port();  // nothing listens there
    RedisClient c(co_await asio::this_coro::executor, o);
    auto started = Clock::now();
    try {
      co_await c.command(cmd("PING"), 300ms);
      ADD_FAILURE() << "no error";
    } catch (const BrokerError& e) {
      EXPECT_EQ(e.code(), BrokerErrc::kUnavailable) << e.what();
      EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
    }
    auto took = Clock::now() - started;
    EXPECT_GE(took, 290ms);
    EXPECT_LT(took, 1000ms);
    EXPECT_GE(c.stats().connect_failures, 2u) << "attempts are retried with backoff";
    EXPECT_EQ(c.stats().commands_sent, 0u);
  });
}

TEST_F(RedisClientTest, ReconnectsAfterTheBrokerWasKilledAndRestarted) {
  run([&]() -> asio::awaitable<void> {
    auto c = client(co_await asio::this_coro::executor);
    co_await c->command(cmd("SET", "k", "before"));
    broker_->kill();
    // The dead connection fails the next call: lost (if it was sent before hiredis saw
    // the close) or unavailable (if it waited for a connection that never came).
    auto code = co_await error_of(
        [&]() -> asio::awaitable<void> { co_await c->command(cmd("GET", "k"), 300ms); });
    EXPECT_TRUE(code == BrokerErrc::kConnectionLost || code == BrokerErrc::kUnavailable)
        << name_of(code);
    broker_->restart();
    Reply r = co_await c->command(cmd("GET", "k"));
    EXPECT_EQ(r.str, "before") << "the append-only file kept it";
    EXPECT_EQ(c->stats().connects, 2u);
    EXPECT_GE(c->stats().disconnects, 1u);
  });
}

TEST_F(RedisClientTest, CallWaitsForABrokerThatComesBackWithinItsDeadline) {
  run([&]() -> asio::awaitable<void> {
    auto c = client(co_await asio::this_coro::executor);
    co_await c->command(cmd("PING"));
    broker_->kill();
    std::thread restarter([&] {
      std::this_thread::sleep_for(400ms);
      broker_->restart();
    });
    auto started = Clock::now();
    Reply r;
    try {
      co_await sleep_for(20ms);  // let the client see the close first
      r = co_await c->command(cmd("PING"), 3000ms);
    } catch (const BrokerError& e) {
      ADD_FAILURE() << e.what();
    }
    restarter.join();
    EXPECT_EQ(r.str, "PONG");
    EXPECT_GE(Clock::now() - started, 350ms);
    EXPECT_GE(c->stats().connect_failures, 1u);
  });
}

TEST_F(RedisClientTest, StalledBrokerTimesOutAndTheClientRecoversAfterIt) {
  run([&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    auto c = client(ex);
    co_await c->command(cmd("PING"));
    broker_->pause();
    // A second call in flight on the same connection when the first one times out.
    std::optional<BrokerErrc> other;
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          other = co_await error_of(
              [&]() -> asio::awaitable<void> { co_await c->command(cmd("PING"), 5000ms); });
        },
        asio::detached);
    auto started = Clock::now();
    auto code = co_await error_of(
        [&]() -> asio::awaitable<void> { co_await c->command(cmd("PING"), 300ms); });
    EXPECT_EQ(code, BrokerErrc::kTimeout);
    EXPECT_LT(Clock::now() - started, 1000ms);
    co_await sleep_for(10ms);
    CO_ASSERT_TRUE(other.has_value());
    EXPECT_EQ(*other, BrokerErrc::kConnectionLost) << "closed with the overdue call";
    EXPECT_FALSE(c->connected());
    broker_->resume();
    EXPECT_EQ((co_await c->command(cmd("PING"))).str, "PONG");
    EXPECT_EQ(c->stats().timeouts, 1u);
  });
}

TEST_F(RedisClientTest, DestroyingTheClientFailsWhatIsPending) {
  run([&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    auto c = client(ex);
    std::optional<BrokerErrc> blocked;
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          blocked = co_await error_of([&]() -> asio::awaitable<void> {
            co_await c->command(cmd("BLPOP", stream("never"), "5"), 8000ms);
          });
        },
        asio::detached);
    co_await sleep_for(100ms);
    auto started = Clock::now();
    c.reset();
    co_await sleep_for(10ms);
    CO_ASSERT_TRUE(blocked.has_value());
    EXPECT_EQ(*blocked, BrokerErrc::kConnectionLost);
    EXPECT_LT(Clock::now() - started, 500ms);
  });
}

}  // namespace
}  // namespace xacoord::broker::test
