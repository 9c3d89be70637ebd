// The relay of one database (docs/architectures/outbox.md, "Relay"; docs/broker.md,
// "Delivery guarantees" 2-3): claims that database's unpublished outbox rows of its one
// topic, publishes them to the topic's stream in one round trip, and marks published only
// what Redis acknowledged, in the claim's transaction. A row whose publish got no answer
// stays unpublished and is claimed again; the publish's dedupe key makes the repeat add
// no second entry. A relay killed anywhere releases its claim with its connection.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <chrono>
#include <cstdint>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "common/clock.h"
#include "coordinator/architectures/outbox/outbox_metrics.h"
#include "coordinator/architectures/outbox/wakeup.h"
#include "coordinator/broker/streams.h"
#include "participants/pool.h"

namespace xacoord::outbox {

class Relay {
 public:
  struct Options {
    int batch = 64;  // rows per claim: one publish round trip (docs/broker.md, "Measured")
    std::chrono::milliseconds idle_poll{50};  // pause after an empty claim
    std::chrono::milliseconds first_backoff{50};
    std::chrono::milliseconds max_backoff{2'000};
    std::chrono::milliseconds deadline{5'000};
  };

  // `topic` is the stream this database's outbox rows go to.
  Relay(db::Pool& pool, std::string topic, broker::Streams& streams, Wakeup& wakeup,
        OutboxMetrics& metrics, Clock& clock, Options options);

  // Until stop(): claim, publish, mark; pauses when there is nothing, backs off on errors.
  boost::asio::awaitable<void> run();
  void stop() { stopped_ = true; }

  // One claim: how many rows it marked published. Throws db::DbError, db::PoolExhausted
  // (the claim is released) or broker::BrokerError when no publish of the batch succeeded.
  boost::asio::awaitable<std::size_t> relay_once();

 private:
  db::Pool& pool_;
  std::string topic_;
  broker::Streams& streams_;
  Wakeup& wakeup_;
  OutboxMetrics& metrics_;
  Clock& clock_;
  Options options_;
  bool stopped_ = false;
};

}  // namespace xacoord::outbox
