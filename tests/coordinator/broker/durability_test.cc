// The broker's durability promise (docs/broker.md, "Durability"): a publish Redis answered
// survives kill -9 of Redis mid-load. Publishers retry what failed with the same msg_id,
// as the relay does; afterwards every acknowledged msg_id must be in the stream, once.
// The same check against a Redis without its append-only file finds the loss, so the
// check can fail.
#include <deque>
#include <set>

#include "tests/coordinator/broker/broker_fixture.h"

namespace xacoord::broker::test {
namespace {

struct LoadResult {
  std::size_t acknowledged = 0;
  std::size_t acknowledged_before_kill = 0;
  std::size_t failures = 0;  // publishes that failed and were retried
  std::size_t lost = 0;      // acknowledged, not in the stream
  std::size_t duplicates = 0;
  std::size_t republished_found = 0;  // a retry answered "published before": it had run
  std::int64_t entries = 0;
};

class DurabilityTest : public BrokerTest {
 protected:
  // `total` messages from `publishers` concurrent coroutines on one client. The moment
  // the `kill_after`-th publish is answered, Redis is killed -9 (with the other publishes
  // in flight: sent, some executed, their replies unread) and restarted 300 ms later.
  LoadResult load_with_kill(harness::LocalBroker& broker, int total, int publishers,
                            int kill_after) {
    LoadResult result;
    std::string s = stream("durable");
    run([&]() -> asio::awaitable<void> {
      auto ex = co_await asio::this_coro::executor;
      RedisOptions o = options(broker);
      o.command_timeout = 1000ms;
      RedisClient c(ex, o);
      Streams streams(c);
      std::set<std::string> acked;
      bool killed = false;
      bool restarted = false;
      std::deque<int> todo;
      for (int i = 0; i < total; ++i)
        todo.push_back(i);
      int running = publishers;
      for (int p = 0; p < publishers; ++p) {
        asio::co_spawn(
            ex,
            [&]() -> asio::awaitable<void> {
              while (!todo.empty()) {
                int n = todo.front();
                todo.pop_front();
                std::string id = "msg-" + std::to_string(n);
                bool answered = false;
                try {
                  auto r = co_await streams.publish(s, message(id, std::string(100, 'x')));
                  answered = true;
                  if (!r.first) ++result.republished_found;
                } catch (const BrokerError&) {
                }
                if (!answered) {
                  // Not answered: unknown or not sent. Publish it again later, as the
                  // relay does with a row it could not mark published.
                  ++result.failures;
                  todo.push_back(n);
                  co_await sleep_for(20ms);
                  continue;
                }
                acked.insert(id);
                if (!killed && acked.size() == static_cast<std::size_t>(kill_after)) {
                  result.acknowledged_before_kill = acked.size();
                  broker.kill();
                  killed = true;
                  asio::co_spawn(
                      ex,
                      [&]() -> asio::awaitable<void> {
                        co_await sleep_for(300ms);
                        broker.restart();
                        restarted = true;
                      },
                      asio::detached);
                }
              }
              --running;
            },
            asio::detached);
      }
      while (running > 0 || (killed && !restarted))
        co_await sleep_for(5ms);
      EXPECT_TRUE(killed) << "the load ended before the kill";
      auto entries = co_await streams.range(s);
      std::set<std::string> present;
      for (const auto& e : entries) {
        auto m = message_from(e);
        if (!m) continue;
        if (!present.insert(m->msg_id).second) ++result.duplicates;
      }
      result.entries = static_cast<std::int64_t>(entries.size());
      for (const auto& id : acked) {
        if (!present.count(id)) ++result.lost;
      }
      result.acknowledged = acked.size();
    });
    return result;
  }
};

TEST_F(DurabilityTest, NothingAcknowledgedIsLostWhenRedisIsKilledMidLoad) {
  auto r = load_with_kill(*broker_, 3000, 16, 600);
  EXPECT_EQ(r.acknowledged, 3000u);
  EXPECT_EQ(r.acknowledged_before_kill, 600u);
  EXPECT_GT(r.failures, 0u) << "the kill must hit publishes in flight";
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.duplicates, 0u) << "republished messages found their dedupe key";
  EXPECT_EQ(r.entries, 3000);
  std::cout << "acknowledged " << r.acknowledged << " (" << r.acknowledged_before_kill
            << " before the kill), " << r.failures << " publishes retried, " << r.lost << " lost, "
            << r.duplicates << " duplicates, " << r.republished_found
            << " retries found their first publish\n";
}

TEST_F(DurabilityTest, TheSameCheckFindsLossWithoutTheAppendOnlyFile) {
  auto unsafe = start_broker({.unsafe_no_aof = true});
  auto r = load_with_kill(*unsafe, 1000, 16, 300);
  EXPECT_EQ(r.acknowledged, 1000u);
  EXPECT_GE(r.lost, 300u) << "everything acknowledged before the kill is gone";
}

}  // namespace
}  // namespace xacoord::broker::test
