// One connection to Redis for the coordinator, asynchronous on its io_context
// (docs/broker.md, "Client").
//
// hiredis's asynchronous context driven by an Asio descriptor (asio_adapter.h), not a
// blocking context on a thread of its own: the coordinator runs one io_context thread on
// a 2-core machine, and the relay wants many XADDs in flight on one connection
// (pipelining), which the asynchronous context gives for nothing. Calls may be made from
// several coroutines at once; they are pipelined on the one connection, answered in order.
//
// Rules:
//  - Every call, and the completion of every call, runs on the client's executor: one
//    thread (or strand). The client is not thread-safe.
//  - Every call has a deadline: `timeout` or RedisOptions::command_timeout, from the call.
//  - A call made while there is no connection waits for one (attempts spaced by the
//    backoff of RedisOptions) until its deadline, then fails kUnavailable: never sent.
//  - A call that was sent and misses its deadline fails kTimeout and closes the
//    connection: replies come in order, so every later reply on it would be late too, and
//    a silent network partition is noticed only this way. The other calls sent on it fail
//    kConnectionLost. The next call connects again.
//  - A blocking command (XREADGROUP ... BLOCK) holds the connection in Redis until it
//    returns: give blocking readers a client of their own.
//  - Destroying the client fails every pending call (kUnavailable or kConnectionLost).
//  - The first client sets SIGPIPE to ignored for the process (hiredis writes with write()).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "coordinator/broker/broker_error.h"
#include "coordinator/broker/redis_options.h"
#include "coordinator/broker/redis_reply.h"

namespace xacoord::broker {

// A command and its arguments, binary-safe: {"XADD", "stream", "*", "field", "value"}.
using Command = std::vector<std::string>;

// A Command from its words: cmd("XLEN", stream). Use it inside co_await expressions, where
// GCC 12 rejects a braced list of strings ("array used as initializer").
template <typename... Words>
Command cmd(Words&&... words) {
  Command c;
  c.reserve(sizeof...(words));
  (c.emplace_back(std::forward<Words>(words)), ...);
  return c;
}

// One command's result in a pipeline: its reply, or its error.
struct Outcome {
  Reply reply;
  std::optional<BrokerError> error;
  bool ok() const { return !error; }
};

struct ClientStats {
  std::uint64_t connects = 0;          // connections established
  std::uint64_t connect_failures = 0;  // attempts refused or timed out
  std::uint64_t disconnects = 0;       // established connections that ended
  std::uint64_t commands_sent = 0;
  std::uint64_t timeouts = 0;  // sent calls that missed their deadline
};

class RedisClient {
 public:
  RedisClient(boost::asio::any_io_executor executor, RedisOptions options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // One command. A reply of type error throws BrokerError kServer (or kUnavailable for
  // -LOADING and the like, see broker_error.h); every failure is a BrokerError.
  boost::asio::awaitable<Reply> command(Command command,
                                        std::optional<std::chrono::milliseconds> timeout = {});
  // Several commands sent at once (one round trip), each with the deadline `timeout`.
  // Never throws for a command's failure: each Outcome says.
  boost::asio::awaitable<std::vector<Outcome>> pipeline(
      std::vector<Command> commands, std::optional<std::chrono::milliseconds> timeout = {});

  // Drops the connection now; calls in flight fail kConnectionLost, the next call connects.
  void close();
  bool connected() const;
  const RedisOptions& options() const;
  const ClientStats& stats() const;
  // What went wrong last (connection refused, timed out...), for operators' messages.
  const std::string& last_error() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace xacoord::broker
