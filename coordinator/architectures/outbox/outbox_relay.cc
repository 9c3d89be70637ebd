#include "coordinator/architectures/outbox/outbox_relay.h"

#include <algorithm>

#include "common/crash_points.h"
#include "coordinator/observability/event_log.h"
#include "participants/outbox_sql.h"

namespace xacoord::outbox {

namespace asio = boost::asio;
using std::chrono::milliseconds;

Relay::Relay(db::Pool& pool, std::string topic, broker::Streams& streams, Wakeup& wakeup,
             OutboxMetrics& metrics, Clock& clock, Options options)
    : pool_(pool),
      topic_(std::move(topic)),
      streams_(streams),
      wakeup_(wakeup),
      metrics_(metrics),
      clock_(clock),
      options_(options) {}

asio::awaitable<void> Relay::run() {
  milliseconds backoff = options_.first_backoff;
  while (!stopped_) {
    std::size_t published = 0;
    bool failed = false;
    try {
      published = co_await relay_once();
    } catch (const std::exception& e) {
      failed = true;
      log_event("outbox_relay_failed", {{"topic", topic_}, {"error", e.what()}});
    }
    if (failed) {
      co_await sleep_for(clock_, backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
      continue;
    }
    backoff = options_.first_backoff;
    // A full batch: more may wait. Otherwise sleep until a producer commits or the poll.
    if (published < static_cast<std::size_t>(options_.batch)) {
      co_await wakeup_.wait(options_.idle_poll);
    }
  }
}

asio::awaitable<std::size_t> Relay::relay_once() {
  db::Lease lease = co_await pool_.acquire(clock_.now() + options_.deadline);
  std::exception_ptr failure;
  std::size_t marked = 0;
  try {
    db::Results claimed =
        co_await lease.session().batch(db::outbox::claim_sql(topic_, options_.batch));
    std::vector<db::outbox::OutboxRow> rows = db::outbox::claimed_from(*claimed.at(2));
    if (rows.empty()) {
      std::vector<std::string> release{db::outbox::release_claim_sql()};
      co_await lease.session().batch(std::move(release));
      co_return 0;
    }
    crash_point(CrashPoint::kOutboxRelayAfterClaim);
    std::vector<std::string> stream_of(rows.size(), topic_);
    std::vector<broker::Message> messages;
    messages.reserve(rows.size());
    for (const auto& r : rows)
      messages.push_back(broker::Message{r.msg_id, r.kind, r.payload, r.created_at});
    std::vector<broker::PublishOutcome> outcomes =
        co_await streams_.publish_all(stream_of, messages);
    crash_point(CrashPoint::kOutboxRelayAfterPublish);
    std::vector<db::outbox::Published> published;
    std::optional<broker::BrokerError> first_error;
    for (std::size_t i = 0; i < outcomes.size() && i < rows.size(); ++i) {
      if (outcomes[i].result) {
        published.push_back({rows[i].id, outcomes[i].result->entry_id});
        if (!outcomes[i].result->first) metrics_.republished();
      } else if (outcomes[i].error && !first_error) {
        first_error = outcomes[i].error;
      }
    }
    if (published.empty()) {
      std::vector<std::string> release{db::outbox::release_claim_sql()};
      co_await lease.session().batch(std::move(release));
      if (first_error) throw *first_error;
      co_return 0;
    }
    co_await lease.session().batch(db::outbox::finish_claim_sql(published));
    marked = published.size();
    metrics_.published(marked);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    // The claim's rows go back with the session: claimed again, republished, deduped.
    lease.discard_session();
    std::rethrow_exception(failure);
  }
  co_return marked;
}

}  // namespace xacoord::outbox
