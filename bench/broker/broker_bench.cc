// The broker client against a private redis-server on the real disk (compose/local/broker
// on a free port under $XACOORD_BENCH_DIR, default the current directory). Prints one line
// per figure; docs/broker.md ("Measured") has the command and the results.
//
//   ping round trip        one call at a time, p50/p99
//   hiredis blocking ping  the same over a blocking hiredis context (no io_context): what a
//                          thread of its own would get at best, before any thread hand-off
//   publish 1 in flight    the dedupe script, one at a time (what one relay row costs)
//   publish N in flight    N coroutines publishing at once on one connection (pipelined)
//   xadd N in flight       plain XADD, to show what the dedupe script costs
//   consume                XREADGROUP COUNT 64 then XACK of the batch, one consumer
//
// Publishing runs with appendfsync always (the broker's setting) and again with everysec
// (CONFIG SET on the private broker) to show what the fsync choice costs.
#include <hiredis/hiredis.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "coordinator/broker/redis_client.h"
#include "coordinator/broker/streams.h"
#include "tools/harness/local_broker.h"

namespace asio = boost::asio;
using namespace xacoord::broker;
using Clock = std::chrono::steady_clock;
using std::chrono::duration;

namespace {

double us_since(Clock::time_point t) {
  return duration<double, std::micro>(Clock::now() - t).count();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
}

Message bench_message(int n) {
  return Message{
      "bench-" + std::to_string(n), "charge",
      R"({"order_id":)" + std::to_string(n) + R"(,"account_id":"alice","amount_cents":1299})",
      "2026-01-01 00:00:00.000000"};
}

asio::awaitable<void> ping_round_trip(RedisClient& c, int n) {
  std::vector<double> us;
  for (int i = 0; i < n; ++i) {
    auto t = Clock::now();
    co_await c.command(cmd("PING"));
    us.push_back(us_since(t));
  }
  std::printf("ping round trip            p50 %6.1f us  p99 %6.1f us  (%d calls)\n",
              percentile(us, 0.5), percentile(us, 0.99), n);
}

void blocking_ping(std::uint16_t port, int n) {
  redisContext* c = redisConnect("127.0.0.1", port);
  if (!c || c->err) {
    std::printf("hiredis blocking ping      cannot connect\n");
    return;
  }
  std::vector<double> us;
  for (int i = 0; i < n; ++i) {
    auto t = Clock::now();
    freeReplyObject(redisCommand(c, "PING"));
    us.push_back(us_since(t));
  }
  redisFree(c);
  std::printf("hiredis blocking ping      p50 %6.1f us  p99 %6.1f us  (%d calls)\n",
              percentile(us, 0.5), percentile(us, 0.99), n);
}

// `in_flight` coroutines publish `total` messages between them; prints the rate.
asio::awaitable<void> publish_rate(Streams& streams, const std::string& label, int total,
                                   int in_flight, bool dedupe, int& next_id) {
  auto ex = co_await asio::this_coro::executor;
  std::string stream = "bench:" + label;
  int left = total, running = in_flight, failures = 0;
  std::vector<double> us;
  auto started = Clock::now();
  for (int i = 0; i < in_flight; ++i) {
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          while (left > 0) {
            --left;
            Message m = bench_message(next_id++);
            auto t = Clock::now();
            try {
              if (dedupe) {
                co_await streams.publish(stream, m);
              } else {
                co_await streams.add(stream, m);
              }
            } catch (const BrokerError&) {
              ++failures;
            }
            us.push_back(us_since(t));
          }
          --running;
        },
        asio::detached);
  }
  asio::steady_timer timer(ex);
  while (running > 0) {
    timer.expires_after(std::chrono::milliseconds(1));
    co_await timer.async_wait(asio::use_awaitable);
  }
  double seconds = duration<double>(Clock::now() - started).count();
  std::printf("%-26s %8.0f /s   p50 %7.1f us  p99 %7.1f us%s\n", label.c_str(), total / seconds,
              percentile(us, 0.5), percentile(us, 0.99),
              failures ? (" (" + std::to_string(failures) + " failed)").c_str() : "");
}

asio::awaitable<void> consume_rate(Streams& streams, int total) {
  std::string stream = "bench:consume";
  co_await streams.ensure_group(stream, "g");
  std::vector<std::string> to(total, stream);
  std::vector<Message> ms;
  for (int i = 0; i < total; ++i)
    ms.push_back(bench_message(1'000'000 + i));
  for (int from = 0; from < total; from += 256) {
    int n = std::min(256, total - from);
    co_await streams.publish_all(std::vector<std::string>(to.begin(), to.begin() + n),
                                 std::vector<Message>(ms.begin() + from, ms.begin() + from + n));
  }
  auto started = Clock::now();
  int got = 0;
  while (got < total) {
    auto entries = co_await streams.read(stream, "g", "c", 64);
    std::vector<std::string> ids;
    for (const auto& e : entries)
      ids.push_back(e.id);
    co_await streams.ack(stream, "g", ids);
    got += static_cast<int>(entries.size());
  }
  double seconds = duration<double>(Clock::now() - started).count();
  std::printf("consume (read 64 + ack)    %8.0f /s\n", total / seconds);
}

}  // namespace

int main() {
  const char* dir = std::getenv("XACOORD_BENCH_DIR");
  std::string var = std::string(dir && *dir ? dir : ".") + "/broker-bench-var";
  std::system(("rm -rf '" + var + "'").c_str());
  auto broker = xacoord::harness::LocalBroker::start(var);
  asio::io_context io;
  auto done = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        RedisOptions o = parse_redis_url(broker->url());
        o.command_timeout = std::chrono::seconds(10);
        RedisClient c(co_await asio::this_coro::executor, o);
        Streams streams(c);
        int next_id = 0;
        co_await ping_round_trip(c, 20000);
        blocking_ping(broker->port(), 20000);
        for (const char* fsync : {"always", "everysec"}) {
          co_await c.command(cmd("CONFIG", "SET", "appendfsync", fsync));
          std::printf("-- appendfsync %s\n", fsync);
          std::string f(fsync);
          co_await publish_rate(streams, "publish 1 in flight " + f, 2000, 1, true, next_id);
          co_await publish_rate(streams, "publish 16 in flight " + f, 20000, 16, true, next_id);
          co_await publish_rate(streams, "publish 64 in flight " + f, 40000, 64, true, next_id);
          co_await publish_rate(streams, "xadd 64 in flight " + f, 40000, 64, false, next_id);
        }
        co_await c.command(cmd("CONFIG", "SET", "appendfsync", "always"));
        co_await consume_rate(streams, 20000);
      },
      asio::use_future);
  io.run();
  done.get();
  broker.reset();
  std::system(("rm -rf '" + var + "'").c_str());
  return 0;
}
