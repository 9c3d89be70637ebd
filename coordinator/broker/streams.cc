#include "coordinator/broker/streams.h"

#include <stdexcept>

#include "coordinator/broker/stream_commands.h"

namespace xacoord::broker {
namespace asio = boost::asio;

Streams::Streams(RedisClient& client, StreamsOptions options)
    : client_(client), options_(options) {}

asio::awaitable<PublishResult> Streams::publish(const std::string& stream, const Message& m) {
  Reply r = co_await client_.command(publish_command(stream, m, options_.dedupe_ttl));
  co_return publish_result_from(r);
}

asio::awaitable<std::vector<PublishOutcome>> Streams::publish_all(
    const std::vector<std::string>& stream_of, const std::vector<Message>& messages) {
  if (stream_of.size() != messages.size()) {
    throw std::invalid_argument("publish_all: one stream per message");
  }
  std::vector<Command> commands;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    commands.push_back(publish_command(stream_of[i], messages[i], options_.dedupe_ttl));
  }
  auto outcomes = co_await client_.pipeline(std::move(commands));
  std::vector<PublishOutcome> out(outcomes.size());
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (!outcomes[i].ok()) {
      out[i].error = outcomes[i].error;
      continue;
    }
    try {
      out[i].result = publish_result_from(outcomes[i].reply);
    } catch (const BrokerError& e) {
      out[i].error = e;
    }
  }
  co_return out;
}

asio::awaitable<std::optional<std::string>> Streams::published_entry(const std::string& stream,
                                                                     const std::string& msg_id) {
  Reply r = co_await client_.command(published_entry_command(stream, msg_id));
  if (r.is_nil()) co_return std::nullopt;
  co_return string_from(r, "GET");
}

asio::awaitable<std::string> Streams::add(const std::string& stream, const Message& m) {
  co_return string_from(co_await client_.command(xadd_command(stream, m)), "XADD");
}

asio::awaitable<void> Streams::ensure_group(const std::string& stream, const std::string& group,
                                            const std::string& start_id) {
  try {
    co_await client_.command(create_group_command(stream, group, start_id));
  } catch (const BrokerError& e) {
    if (!e.is_server_error("BUSYGROUP")) throw;  // BUSYGROUP: it exists already
  }
}

asio::awaitable<std::vector<StreamEntry>> Streams::read(
    const std::string& stream, const std::string& group, const std::string& consumer, int count,
    std::optional<std::chrono::milliseconds> block, const std::string& from) {
  auto timeout = client_.options().command_timeout + block.value_or(std::chrono::milliseconds(0));
  Command command = read_group_command(stream, group, consumer, count, block, from);
  Reply r = co_await client_.command(std::move(command), timeout);
  co_return read_group_from(r, stream);
}

asio::awaitable<std::int64_t> Streams::ack(const std::string& stream, const std::string& group,
                                           const std::vector<std::string>& ids) {
  if (ids.empty()) co_return 0;
  co_return integer_from(co_await client_.command(ack_command(stream, group, ids)), "XACK");
}

asio::awaitable<AutoClaimed> Streams::autoclaim(const std::string& stream, const std::string& group,
                                                const std::string& consumer,
                                                std::chrono::milliseconds min_idle,
                                                const std::string& start, int count) {
  co_return autoclaim_from(
      co_await client_.command(autoclaim_command(stream, group, consumer, min_idle, start, count)));
}

asio::awaitable<PendingSummary> Streams::pending(const std::string& stream,
                                                 const std::string& group) {
  co_return pending_summary_from(co_await client_.command(pending_summary_command(stream, group)));
}

asio::awaitable<std::vector<PendingEntry>> Streams::pending_entries(
    const std::string& stream, const std::string& group, int count,
    std::optional<std::chrono::milliseconds> min_idle, std::optional<std::string> consumer) {
  co_return pending_entries_from(co_await client_.command(
      pending_entries_command(stream, group, count, min_idle, std::move(consumer))));
}

asio::awaitable<std::int64_t> Streams::length(const std::string& stream) {
  co_return integer_from(co_await client_.command(length_command(stream)), "XLEN");
}

asio::awaitable<std::vector<GroupInfo>> Streams::groups(const std::string& stream) {
  try {
    co_return groups_from(co_await client_.command(groups_command(stream)));
  } catch (const BrokerError& e) {
    // "ERR no such key": the stream does not exist yet, so it has no groups.
    if (e.code() != BrokerErrc::kServer ||
        std::string(e.what()).find("no such key") == std::string::npos) {
      throw;
    }
  }
  co_return std::vector<GroupInfo>{};
}

asio::awaitable<std::int64_t> Streams::unfinished(const std::string& stream,
                                                  const std::string& group) {
  auto gs = co_await groups(stream);
  const GroupInfo* g = nullptr;
  for (const auto& info : gs) {
    if (info.name == group) g = &info;
  }
  if (g == nullptr) co_return co_await length(stream);
  if (g->lag) co_return g->pending + *g->lag;
  // "(" makes the start exclusive: the entries after the last one delivered.
  auto after = co_await range(stream, "(" + g->last_delivered_id, "+", 1000);
  co_return g->pending + static_cast<std::int64_t>(after.size());
}

asio::awaitable<std::vector<StreamEntry>> Streams::range(const std::string& stream,
                                                         const std::string& start,
                                                         const std::string& end,
                                                         std::optional<int> count) {
  co_return entries_from(co_await client_.command(range_command(stream, start, end, count)),
                         "XRANGE");
}

asio::awaitable<std::int64_t> Streams::trim_acknowledged(const std::string& stream) {
  auto gs = co_await groups(stream);
  std::vector<PendingSummary> pendings;
  for (const auto& g : gs)
    pendings.push_back(co_await pending(stream, g.name));
  auto point = safe_trim_point(gs, pendings);
  if (!point) co_return 0;
  co_return integer_from(co_await client_.command(trim_command(stream, *point)), "XTRIM");
}

asio::awaitable<std::int64_t> Streams::delete_consumer(const std::string& stream,
                                                       const std::string& group,
                                                       const std::string& consumer) {
  co_return integer_from(co_await client_.command(delete_consumer_command(stream, group, consumer)),
                         "XGROUP");
}

}  // namespace xacoord::broker
