// Where the broker is and how long the client waits for it (docs/broker.md, "Client").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace xacoord::broker {

struct RedisOptions {
  std::string host = "127.0.0.1";  // a numeric IPv4/IPv6 address (see parse_redis_url)
  std::uint16_t port = 6390;
  // A connection attempt that has not completed by then counts as failed.
  std::chrono::milliseconds connect_timeout{1000};
  // The deadline of a call that names none: from the call to its reply.
  std::chrono::milliseconds command_timeout{2000};
  // Pause between failed connection attempts: doubles from `initial` up to `max`, with
  // jitter, and starts again at `initial` after a connection succeeded.
  std::chrono::milliseconds backoff_initial{50};
  std::chrono::milliseconds backoff_max{2000};
};

// "redis://HOST:PORT" (the form of `serve --broker`, contract default
// redis://127.0.0.1:6390). HOST must be a numeric address or "localhost": hiredis resolves
// names inside its non-blocking connect with a blocking call, which must never run on the
// coordinator's io_context thread. Throws std::invalid_argument with the reason.
RedisOptions parse_redis_url(std::string_view url);
std::string to_url(const RedisOptions& options);

}  // namespace xacoord::broker
