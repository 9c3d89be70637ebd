// Redis Streams for the outbox architecture (docs/broker.md): publish with dedupe,
// consumer groups, acknowledgement, claiming what a dead consumer left, and the figures
// GET /v1/status needs. Typed calls over one RedisClient (redis_client.h: its rules on
// deadlines, errors and blocking readers apply to every call here).
//
// No aggregate arguments: GCC 12 destroys a braced temporary of a struct with string
// members twice when it sits inside a co_await expression (seen here as a crash in
// valgrind), so every call takes plain parameters.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "coordinator/broker/message.h"
#include "coordinator/broker/redis_client.h"
#include "coordinator/broker/stream_replies.h"

namespace xacoord::broker {

struct StreamsOptions {
  // How long Redis remembers that a msg_id was published (stream_commands.h). A relay
  // republishes within seconds of its restart; the inbox covers anything later.
  std::chrono::seconds dedupe_ttl{3600};
};

// A publish in a batch: its result, or its error (error->outcome_unknown(): publish again).
struct PublishOutcome {
  std::optional<PublishResult> result;
  std::optional<BrokerError> error;
};

class Streams {
 public:
  explicit Streams(RedisClient& client, StreamsOptions options = {});

  // Adds `m` to `stream` unless its msg_id was published there within the TTL; either way
  // answers the id of the entry that holds it. Durable when answered (docs/broker.md,
  // "Durability").
  boost::asio::awaitable<PublishResult> publish(const std::string& stream, const Message& m);
  // Several publishes in one round trip; `stream_of[i]` is the stream of `messages[i]`.
  boost::asio::awaitable<std::vector<PublishOutcome>> publish_all(
      const std::vector<std::string>& stream_of, const std::vector<Message>& messages);
  // The proof of an earlier publish within the TTL: the entry id, or nullopt.
  boost::asio::awaitable<std::optional<std::string>> published_entry(const std::string& stream,
                                                                     const std::string& msg_id);
  // Plain XADD without dedupe: for measurements and tests.
  boost::asio::awaitable<std::string> add(const std::string& stream, const Message& m);

  // Creates the group (and the stream) if missing; an existing group is left as it is.
  boost::asio::awaitable<void> ensure_group(const std::string& stream, const std::string& group,
                                            const std::string& start_id = "0");
  // Up to `count` entries for `consumer` of `group`: from ">" those never delivered to the
  // group, from "0" this consumer's own pending ones (after its restart). With `block`,
  // waits up to that long when there is none; the call's deadline is block + the client's
  // command_timeout. Throws BrokerError kServer "NOGROUP" if the group is missing:
  // ensure_group, then read again.
  boost::asio::awaitable<std::vector<StreamEntry>> read(
      const std::string& stream, const std::string& group, const std::string& consumer, int count,
      std::optional<std::chrono::milliseconds> block = {}, const std::string& from = ">");
  // Returns how many of `ids` were pending and are acknowledged now.
  boost::asio::awaitable<std::int64_t> ack(const std::string& stream, const std::string& group,
                                           const std::vector<std::string>& ids);
  // Takes over entries pending longer than `min_idle` (their consumer died or hangs),
  // scanning from `start` ("0-0" first, then the answer's `next` until it is "0-0").
  boost::asio::awaitable<AutoClaimed> autoclaim(const std::string& stream, const std::string& group,
                                                const std::string& consumer,
                                                std::chrono::milliseconds min_idle,
                                                const std::string& start = "0-0", int count = 64);

  boost::asio::awaitable<PendingSummary> pending(const std::string& stream,
                                                 const std::string& group);
  boost::asio::awaitable<std::vector<PendingEntry>> pending_entries(
      const std::string& stream, const std::string& group, int count,
      std::optional<std::chrono::milliseconds> min_idle = {},
      std::optional<std::string> consumer = {});
  boost::asio::awaitable<std::int64_t> length(const std::string& stream);
  // Every group of the stream; none if the stream does not exist.
  boost::asio::awaitable<std::vector<GroupInfo>> groups(const std::string& stream);
  // What `group` has not finished in `stream`: entries delivered and not acknowledged,
  // plus entries not yet delivered (GET /v1/status's pending_messages). Exact while Redis
  // knows the group's lag; once entries were deleted it does not, and the undelivered ones
  // are counted up to 1000 (enough to say "not settled"). A missing group has the whole
  // stream to do; a missing stream nothing.
  boost::asio::awaitable<std::int64_t> unfinished(const std::string& stream,
                                                  const std::string& group);
  boost::asio::awaitable<std::vector<StreamEntry>> range(const std::string& stream,
                                                         const std::string& start = "-",
                                                         const std::string& end = "+",
                                                         std::optional<int> count = {});
  // Deletes the entries every group has acknowledged (safe_trim_point); returns how many.
  // Only once every group that will ever read the stream exists.
  boost::asio::awaitable<std::int64_t> trim_acknowledged(const std::string& stream);
  // Forgets a consumer name of the group (its pending entries go with it: claim first).
  boost::asio::awaitable<std::int64_t> delete_consumer(const std::string& stream,
                                                       const std::string& group,
                                                       const std::string& consumer);

  RedisClient& client() { return client_; }

 private:
  RedisClient& client_;
  StreamsOptions options_;
};

}  // namespace xacoord::broker
