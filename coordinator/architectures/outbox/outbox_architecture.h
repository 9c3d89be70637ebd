// `outbox` (docs/architectures/outbox.md): the asynchronous design. A pay is one local
// commit on orders — the order PAYING and a "charge" outbox row — answered 202; a relay
// publishes outbox rows to Redis Streams; the payments consumer applies the charge exactly
// once (its inbox row in the same local transaction) and reports "charged" or
// "charge_refused" through its own outbox; the orders consumer marks the order PAID (or
// PENDING again), or, if the order was cancelled meanwhile, asks for a refund. A cancel is
// one local commit on orders, answered at once; a paid order's refund follows as a message.
// No request ever waits for the other database or for the broker.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "coordinator/architectures/outbox/message_handlers.h"
#include "coordinator/architectures/outbox/outbox_consumer.h"
#include "coordinator/architectures/outbox/outbox_metrics.h"
#include "coordinator/architectures/outbox/outbox_relay.h"
#include "coordinator/architectures/outbox/wakeup.h"
#include "coordinator/broker/message.h"
#include "coordinator/broker/redis_client.h"
#include "coordinator/broker/streams.h"
#include "coordinator/domain/architecture.h"
#include "coordinator/domain/idempotency.h"
#include "coordinator/observability/coordinator_metrics.h"
#include "coordinator/observability/health_monitor.h"
#include "participants/pool.h"

namespace xacoord {

class OutboxArchitecture final : public Architecture {
 public:
  struct Options {
    std::string node_id = "1";
    std::uint64_t epoch = 1;
    std::chrono::milliseconds deadline{10'000};
    broker::RedisOptions broker;
    std::string stream_prefix = "xacoord";  // broker::StreamNames::with_prefix
    std::chrono::milliseconds status_poll{50};
    // Housekeeping: published outbox rows and acknowledged stream entries are kept this
    // long, inbox rows much longer than any redelivery (the dedupe key lives an hour).
    std::chrono::milliseconds tidy_every{60'000};
    std::chrono::seconds published_retention{3600};
    std::chrono::seconds inbox_retention{7 * 24 * 3600};
  };

  OutboxArchitecture(boost::asio::any_io_executor executor, db::Pool& orders, db::Pool& payments,
                     const HealthMonitor& health, const Idempotency& idempotency,
                     CoordinatorMetrics& metrics, Clock& clock, Options options);
  ~OutboxArchitecture() override;

  std::string_view name() const override { return "outbox"; }
  // Nothing to settle before ready: every committed outbox row is delivered by the relays
  // and consumers of run_background, also while the broker is down at start.
  boost::asio::awaitable<void> recover() override { co_return; }
  boost::asio::awaitable<void> run_background() override;
  void stop() override;
  boost::asio::awaitable<Answer> pay(std::int64_t order_id,
                                     std::optional<IdempotencyKey> key) override;
  boost::asio::awaitable<Answer> cancel(std::int64_t order_id,
                                        std::optional<IdempotencyKey> key) override;
  ArchitectureStatus status() const override;

 private:
  boost::asio::awaitable<Answer> pay_in(std::int64_t order_id,
                                        const std::optional<IdempotencyKey>& key);
  boost::asio::awaitable<Answer> cancel_in(std::int64_t order_id,
                                           const std::optional<IdempotencyKey>& key);
  boost::asio::awaitable<Answer> answered(boost::asio::awaitable<Answer> work);
  // What is undelivered: unpublished outbox rows of both databases, then what each
  // stream's group has not finished (in the order a message travels, see status()).
  boost::asio::awaitable<std::size_t> count_pending();
  boost::asio::awaitable<void> poll_status();
  // Bounds what the design keeps: purges old published outbox rows and inbox rows (a batch
  // at a time), and trims stream entries every group has acknowledged.
  boost::asio::awaitable<void> keep_tidy();
  std::string next_txn_id();
  SteadyTime deadline() const { return clock_.now() + options_.deadline; }
  // Something moved (a commit, a publish, an acknowledgement): a count taken across it
  // may have missed the message in between.
  void changed() { ++changes_; }

  boost::asio::any_io_executor executor_;
  db::Pool& orders_;
  db::Pool& payments_;
  const HealthMonitor& health_;
  const Idempotency& idempotency_;
  Clock& clock_;
  Options options_;
  broker::StreamNames names_;
  outbox::OutboxMetrics outbox_metrics_;
  // One connection for the relays and the status figures, one per blocking reader.
  broker::RedisClient publisher_client_;
  broker::RedisClient orders_reader_client_;
  broker::RedisClient payments_reader_client_;
  broker::Streams publisher_;
  broker::Streams orders_reader_;
  broker::Streams payments_reader_;
  outbox::Wakeup orders_wakeup_;
  outbox::Wakeup payments_wakeup_;
  outbox::MessageHandlers handlers_;
  outbox::Relay orders_relay_;
  outbox::Relay payments_relay_;
  outbox::Consumer payments_consumer_;
  outbox::Consumer orders_consumer_;
  std::uint64_t next_seq_ = 1;
  std::size_t requests_ = 0;
  // The last count of undelivered messages, and whether it can be trusted: taken while
  // nothing changed, and the broker and both databases answered.
  std::size_t pending_ = 0;
  bool counted_ = false;
  std::uint64_t changes_ = 0;
  std::uint64_t counted_at_change_ = 0;
  bool stopped_ = false;
};

}  // namespace xacoord
