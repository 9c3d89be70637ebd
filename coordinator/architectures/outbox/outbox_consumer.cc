#include "coordinator/architectures/outbox/outbox_consumer.h"

#include <algorithm>

#include "coordinator/observability/event_log.h"

namespace xacoord::outbox {

namespace asio = boost::asio;
using std::chrono::milliseconds;

Consumer::Consumer(broker::Streams& streams, std::string stream, std::string group, Handler handler,
                   Clock& clock, Options options)
    : streams_(streams),
      stream_(std::move(stream)),
      group_(std::move(group)),
      handler_(std::move(handler)),
      clock_(clock),
      options_(std::move(options)) {}

asio::awaitable<void> Consumer::run() {
  milliseconds backoff = options_.first_backoff;
  while (!stopped_) {
    bool failed = false;
    try {
      if (!group_ready_) {
        co_await streams_.ensure_group(stream_, group_);
        group_ready_ = true;
      }
      std::vector<broker::StreamEntry> entries = co_await next_batch();
      co_await handle(entries);
      backoff = options_.first_backoff;
    } catch (const broker::BrokerError& e) {
      // A wiped or restarted broker without its group: make it again, then read.
      if (e.is_server_error("NOGROUP")) group_ready_ = false;
      failed = !stopped_;
      if (failed) log_event("outbox_consumer_failed", {{"stream", stream_}, {"error", e.what()}});
    } catch (const std::exception& e) {
      failed = !stopped_;
      if (failed) log_event("outbox_consumer_failed", {{"stream", stream_}, {"error", e.what()}});
    }
    if (failed) {
      co_await sleep_for(clock_, backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
  }
}

asio::awaitable<std::vector<broker::StreamEntry>> Consumer::next_batch() {
  // Its own pending entries first: handed to it before a restart or a failed apply.
  auto entries =
      co_await streams_.read(stream_, group_, options_.consumer, options_.batch, std::nullopt, "0");
  if (!entries.empty()) co_return entries;
  if (clock_.now() >= next_claim_) {
    next_claim_ = clock_.now() + options_.claim_every;
    broker::AutoClaimed claimed = co_await streams_.autoclaim(
        stream_, group_, options_.consumer, options_.claim_idle, "0-0", options_.batch);
    if (!claimed.entries.empty()) co_return claimed.entries;
  }
  co_return co_await streams_.read(stream_, group_, options_.consumer, options_.batch,
                                   options_.block, ">");
}

asio::awaitable<void> Consumer::handle(const std::vector<broker::StreamEntry>& entries) {
  for (const auto& e : entries) {
    if (stopped_) co_return;
    std::optional<broker::Message> m = broker::message_from(e);
    if (m) {
      co_await handler_(*m, e.id);
    } else {
      log_event("outbox_entry_skipped", {{"stream", stream_}, {"entry_id", e.id}});
    }
    std::vector<std::string> ids{e.id};
    co_await streams_.ack(stream_, group_, ids);
  }
}

}  // namespace xacoord::outbox
