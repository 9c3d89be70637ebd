// Redis Streams as the outbox architecture uses them, against a real redis-server:
// publish with dedupe, consumer groups, acknowledgement, a dead consumer's messages
// claimed by another, status figures, and trimming only what every group acknowledged.
#include "coordinator/broker/streams.h"

#include <set>

#include "coordinator/broker/stream_commands.h"
#include "tests/coordinator/broker/broker_fixture.h"

namespace xacoord::broker::test {
namespace {

class StreamsTest : public BrokerTest {
 protected:
  static std::vector<std::string> ids_of(const std::vector<StreamEntry>& entries) {
    std::vector<std::string> ids;
    for (const auto& e : entries)
      ids.push_back(e.id);
    return ids;
  }
  static std::vector<std::string> msg_ids_of(const std::vector<StreamEntry>& entries) {
    std::vector<std::string> ids;
    for (const auto& e : entries)
      ids.push_back(message_from(e).value().msg_id);
    return ids;
  }
};

TEST_F(StreamsTest, PublishedMessagesAreConsumedOnceAndAcknowledged) {
  run([&]() -> asio::awaitable<void> {
    auto c = client(co_await asio::this_coro::executor);
    Streams streams(*c);
    std::string s = stream();
    co_await streams.ensure_group(s, "g");
    co_await streams.ensure_group(s, "g");  // again: no error
    for (int i = 0; i < 10; ++i) {
      auto r = co_await streams.publish(
          s, message("m" + std::to_string(i), "{\"i\":" + std::to_string(i) + "}"));
      EXPECT_TRUE(r.first);
    }
    auto got = co_await streams.read(s, "g", "c1", 100, std::nullopt, ">");
    CO_ASSERT_EQ(got.size(), 10u);
    for (int i = 0; i < 10; ++i) {
      auto m = message_from(got[i]);
      CO_ASSERT_TRUE(m.has_value());
      EXPECT_EQ(m->msg_id, "m" + std::to_string(i));
      EXPECT_EQ(m->kind, "test");
      EXPECT_EQ(m->payload, "{\"i\":" + std::to_string(i) + "}");
    }
    // Delivered once: a second read of new entries finds none.
    EXPECT_TRUE((co_await streams.read(s, "g", "c2", 100, std::nullopt, ">")).empty());
    auto pending = co_await streams.pending(s, "g");
    EXPECT_EQ(pending.count, 10);
    CO_ASSERT_EQ(pending.per_consumer.size(), 1u);
    EXPECT_EQ(pending.per_consumer[0].first, "c1");
    EXPECT_EQ(co_await streams.ack(s, "g", ids_of(got)), 10);
    EXPECT_EQ(co_await streams.ack(s, "g", ids_of(got)), 0) << "acknowledged already";
    EXPECT_EQ((co_await streams.pending(s, "g")).count, 0);
    EXPECT_EQ(co_await streams.length(s), 10);
    auto groups = co_await streams.groups(s);
    CO_ASSERT_EQ(groups.size(), 1u);
    EXPECT_EQ(groups[0].name, "g");
    EXPECT_EQ(groups[0].pending, 0);
    EXPECT_EQ(groups[0].lag, 0);
    EXPECT_EQ(groups[0].last_delivered_id, got.back().id);
  });
}

TEST_F(StreamsTest, RepublishingAMessageAddsNoEntryAndProvesTheFirst) {
  run([&]() -> asio::awaitable<void> {
    auto c = client(co_await asio::this_coro::executor);
    Streams streams(*c);
    std::string s = stream();
    EXPECT_FALSE((co_await streams.published_entry(s, "m1")).has_value());
    auto first = co_await streams.publish(s, message("m1"));
    auto again = co_await streams.publish(s, message("m1"));
    EXPECT_TRUE(first.first);
    EXPECT_FALSE(again.first);
    EXPECT_EQ(again.entry_id, first.entry_id);
    EXPECT_EQ(co_await streams.length(s), 1);
    EXPECT_EQ(co_await streams.published_entry(s, "m1"), first.entry_id);
    // Once the dedupe key is gone (its TTL), a republish is a second entry: the inbox is
    // what makes delivery exactly-once, the key only keeps duplicates rare.
    co_await c->command(cmd("DEL", published_key(s, "m1")));
    auto late = co_await streams.publish(s, message("m1"));
    EXPECT_TRUE(late.first);
    EXPECT_EQ(co_await streams.length(s), 2);
    auto ttl = co_await c->command(cmd("TTL", published_key(s, "m1")));
    EXPECT_GT(ttl.integer, 3000);
    EXPECT_LE(ttl.integer, 3600);
  });
}

// The relay's case: Redis ran the publish, but the answer never came (here: the call's
// deadline passed while a script held the server). The outcome is unknown, so the relay
// publishes again, and the dedupe key answers with the first entry instead of a second.
TEST_F(StreamsTest, APublishWhoseAnswerWasLostIsFoundByItsRepublish) {
  run([&]() -> asio::awaitable<void> {
    auto c = client(co_await asio::this_coro::executor);
    std::string s = stream();
    constexpr const char* busy =
        "local t = redis.call('TIME') local stop = t[1] * 1000000 + t[2] + 400000 "
        "repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] >= stop return 1";
    std::vector<Command> both{publish_command(s, message("lost-answer"), std::chrono::seconds(60)),
                              cmd("EVAL", busy, "0")};
    auto outcomes = co_await c->pipeline(both, 150ms);
    CO_ASSERT_TRUE(!outcomes[0].ok());
    EXPECT_TRUE(outcomes[0].error->outcome_unknown()) << outcomes[0].error->what();
    co_await sleep_for(400ms);  // the script ends; the client reconnects on the next call
    Streams streams(*c);
    auto again = co_await streams.publish(s, message("lost-answer"));
    EXPECT_FALSE(again.first) << "Redis had run it: the republish finds it";
    EXPECT_EQ(co_await streams.length(s), 1);
  });
}

TEST_F(StreamsTest, PublishAllPipelinesAndReportsEachMessage) {
  run([&]() -> asio::awaitable<void> {
    auto c = client(co_await asio::this_coro::executor);
    Streams streams(*c);
    std::string a = stream("a"), b = stream("b");
    co_await c->command(cmd("SET", b, "not a stream"));  // WRONGTYPE for b's messages
    std::vector<std::string> to;
    std::vector<Message> ms;
    for (int i = 0; i < 20; ++i) {
      to.push_back(i % 5 == 4 ? b : a);
      ms.push_back(message("p" + std::to_string(i)));
    }
    auto out = co_await streams.publish_all(to, ms);
    CO_ASSERT_EQ(out.size(), 20u);
    for (int i = 0; i < 20; ++i) {
      if (i % 5 == 4) {
        CO_ASSERT_TRUE(out[i].error.has_value());
        EXPECT_FALSE(out[i].error->outcome_unknown());
      } else {
        if (!out[i].result) {
          ADD_FAILURE() << i << ": " << out[i].error->what();
          co_return;
        }
      }
    }
    EXPECT_EQ(co_await streams.length(a), 16);
    // A failed script left no dedupe key behind: the message is publishable later.
    EXPECT_FALSE((co_await streams.published_entry(b, "p4")).has_value());
  });
}

TEST_F(StreamsTest, AGroupCreatedAfterPublishingStillGetsEverything) {
  run([&]() -> asio::awaitable<void> {
    auto c = client(co_await asio::this_coro::executor);
    Streams streams(*c);
    std::string s = stream();
    for (int i = 0; i < 3; ++i)
      co_await streams.publish(s, message("early" + std::to_string(i)));
    co_await streams.ensure_group(s, "late");
    auto got = co_await streams.read(s, "late", "c", 10, std::nullopt, ">");
    EXPECT_EQ(msg_ids_of(got), (std::vector<std::string>{"early0", "early1", "early2"}));
  });
}

TEST_F(StreamsTest, MissingGroupIsNoGroupUntilEnsured) {
  run([&]() -> asio::awaitable<void> {
    auto c = client(co_await asio::this_coro::executor);
    Streams streams(*c);
    std::string s = stream();
    try {
      co_await streams.read(s, "g", "c", 10, std::nullopt, ">");
      ADD_FAILURE() << "no error";
    } catch (const BrokerError& e) {
      EXPECT_TRUE(e.is_server_error("NOGROUP")) << e.what();
    }
    EXPECT_TRUE((co_await streams.groups(s)).empty()) << "no stream, no groups";
    co_await streams.ensure_group(s, "g");
    EXPECT_TRUE((co_await streams.read(s, "g", "c", 10, std::nullopt, ">")).empty());
  });
}

TEST_F(StreamsTest, BlockingReadWakesWhenAMessageArrives) {
  run([&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    auto reader = client(ex);  // a blocking reader gets a connection of its own
    auto writer = client(ex);
    Streams in(*reader), out(*writer);
    std::string s = stream();
    co_await in.ensure_group(s, "g");
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          co_await sleep_for(150ms);
          co_await out.publish(s, message("woke"));
        },
        asio::detached);
    auto started = Clock::now();
    auto got = co_await in.read(s, "g", "c", 10, 3000ms, ">");
    auto took = Clock::now() - started;
    EXPECT_EQ(msg_ids_of(got), std::vector<std::string>{"woke"});
    EXPECT_GE(took, 100ms);
    EXPECT_LT(took, 1500ms);
    // With nothing to read, BLOCK runs out and the answer is empty, not an error.
    started = Clock::now();
    EXPECT_TRUE((co_await in.read(s, "g", "c", 10, 200ms, ">")).empty());
    EXPECT_GE(Clock::now() - started, 190ms);
  });
}

TEST_F(StreamsTest, ADeadConsumersMessagesAreClaimedByAnother) {
  run([&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    auto publisher = client(ex);
    Streams pub(*publisher);
    std::string s = stream();
    co_await pub.ensure_group(s, "g");
    for (int i = 0; i < 5; ++i)
      co_await pub.publish(s, message("d" + std::to_string(i)));
    {
      auto doomed = client(ex);  // reads, applies nothing, acknowledges nothing, dies
      Streams d(*doomed);
      EXPECT_EQ((co_await d.read(s, "g", "doomed", 10, std::nullopt, ">")).size(), 5u);
    }
    auto survivor = client(ex);
    Streams live(*survivor);
    // Not idle long enough yet: a slow consumer keeps its messages.
    auto early = co_await live.autoclaim(s, "g", "survivor", 300ms);
    EXPECT_TRUE(early.entries.empty());
    co_await sleep_for(350ms);
    auto claimed = co_await live.autoclaim(s, "g", "survivor", 300ms);
    EXPECT_EQ(claimed.next, "0-0") << "the whole pending list was scanned";
    EXPECT_EQ(msg_ids_of(claimed.entries),
              (std::vector<std::string>{"d0", "d1", "d2", "d3", "d4"}));
    auto entries = co_await live.pending_entries(s, "g", 10);
    CO_ASSERT_EQ(entries.size(), 5u);
    for (const auto& e : entries) {
      EXPECT_EQ(e.consumer, "survivor");
      EXPECT_EQ(e.deliveries, 2) << "delivered to doomed, then claimed";
    }
    EXPECT_EQ(co_await live.ack(s, "g", ids_of(claimed.entries)), 5);
    EXPECT_EQ((co_await live.pending(s, "g")).count, 0);
  });
}

TEST_F(StreamsTest, ARestartedConsumerReadsItsOwnPendingMessagesFirst) {
  run([&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    auto c = client(ex);
    Streams streams(*c);
    std::string s = stream();
    co_await streams.ensure_group(s, "g");
    for (int i = 0; i < 3; ++i)
      co_await streams.publish(s, message("r" + std::to_string(i)));
    EXPECT_EQ((co_await streams.read(s, "g", "node-1", 10, std::nullopt, ">")).size(), 3u);
    c->close();  // the coordinator dies; it comes back under the same consumer name
    auto own = co_await streams.read(s, "g", "node-1", 10, std::nullopt, "0");
    EXPECT_EQ(msg_ids_of(own), (std::vector<std::string>{"r0", "r1", "r2"}));
    EXPECT_EQ(co_await streams.ack(s, "g", ids_of(own)), 3);
    EXPECT_TRUE((co_await streams.read(s, "g", "node-1", 10, std::nullopt, "0")).empty());
  });
}

TEST_F(StreamsTest, APendingEntryDeletedFromTheStreamIsReportedNotDelivered) {
  run([&]() -> asio::awaitable<void> {
    auto c = client(co_await asio::this_coro::executor);
    Streams streams(*c);
    std::string s = stream();
    co_await streams.ensure_group(s, "g");
    auto gone = co_await streams.publish(s, message("gone"));
    co_await streams.publish(s, message("kept"));
    EXPECT_EQ((co_await streams.read(s, "g", "a", 10, std::nullopt, ">")).size(), 2u);
    co_await c->command(cmd("XDEL", s, gone.entry_id));
    auto own = co_await streams.read(s, "g", "a", 10, std::nullopt, "0");
    CO_ASSERT_EQ(own.size(), 2u);
    EXPECT_TRUE(own[0].deleted);
    EXPECT_FALSE(message_from(own[0]).has_value());
    auto claimed = co_await streams.autoclaim(s, "g", "b", 0ms);
    EXPECT_EQ(claimed.deleted_ids, std::vector<std::string>{gone.entry_id});
    EXPECT_EQ(msg_ids_of(claimed.entries), std::vector<std::string>{"kept"});
  });
}

TEST_F(StreamsTest, UnfinishedCountsPendingAndUndeliveredEvenAfterDeletions) {
  run([&]() -> asio::awaitable<void> {
    auto c = client(co_await asio::this_coro::executor);
    Streams streams(*c);
    std::string s = stream();
    EXPECT_EQ(co_await streams.unfinished(s, "g"), 0) << "no stream: nothing to do";
    std::vector<PublishResult> published;
    for (int i = 0; i < 4; ++i)
      published.push_back(co_await streams.publish(s, message("u" + std::to_string(i))));
    EXPECT_EQ(co_await streams.unfinished(s, "g"), 4) << "no group yet: everything";
    co_await streams.ensure_group(s, "g");
    auto first = co_await streams.read(s, "g", "c", 1);
    EXPECT_EQ(co_await streams.unfinished(s, "g"), 4) << "1 pending + 3 undelivered";
    // A deletion makes Redis forget the lag; the count falls back to reading the stream.
    co_await c->command(cmd("XDEL", s, published[3].entry_id));
    auto groups = co_await streams.groups(s);
    EXPECT_FALSE(groups.at(0).lag.has_value());
    EXPECT_EQ(co_await streams.unfinished(s, "g"), 3) << "1 pending + 2 undelivered";
    auto rest = co_await streams.read(s, "g", "c", 10);
    CO_ASSERT_EQ(rest.size(), 2u);
    co_await streams.ack(s, "g", ids_of(first));
    co_await streams.ack(s, "g", ids_of(rest));
    EXPECT_EQ(co_await streams.unfinished(s, "g"), 0) << "settled";
  });
}

TEST_F(StreamsTest, TrimmingKeepsEverythingAGroupHasNotAcknowledged) {
  run([&]() -> asio::awaitable<void> {
    auto c = client(co_await asio::this_coro::executor);
    Streams streams(*c);
    std::string s = stream();
    EXPECT_EQ(co_await streams.trim_acknowledged(s), 0) << "no group: nothing may go";
    co_await streams.ensure_group(s, "fast");
    co_await streams.ensure_group(s, "slow");
    for (int i = 0; i < 10; ++i)
      co_await streams.publish(s, message("t" + std::to_string(i)));
    auto fast = co_await streams.read(s, "fast", "f", 100, std::nullopt, ">");
    co_await streams.ack(s, "fast", ids_of(fast));
    EXPECT_EQ(co_await streams.trim_acknowledged(s), 0) << "slow has read nothing";
    auto slow = co_await streams.read(s, "slow", "s", 100, std::nullopt, ">");
    std::vector<std::string> some{slow[0].id, slow[1].id, slow[2].id, slow[4].id};
    co_await streams.ack(s, "slow", some);
    EXPECT_EQ(co_await streams.trim_acknowledged(s), 3) << "up to slow's oldest pending (t3)";
    auto left = co_await streams.range(s);
    EXPECT_EQ(msg_ids_of(left).front(), "t3");
    EXPECT_EQ(left.size(), 7u);
    co_await streams.ack(s, "slow", ids_of(slow));
    EXPECT_EQ(co_await streams.trim_acknowledged(s), 7);
    EXPECT_EQ(co_await streams.length(s), 0);
    co_await streams.publish(s, message("after"));
    auto after = co_await streams.read(s, "slow", "s", 10, std::nullopt, ">");
    EXPECT_EQ(msg_ids_of(after), std::vector<std::string>{"after"});
  });
}

}  // namespace
}  // namespace xacoord::broker::test
