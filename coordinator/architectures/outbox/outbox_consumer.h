// A consumer of one stream's group (docs/architectures/outbox.md, "Consumers";
// docs/broker.md, "Delivery guarantees" 5): reads its own pending entries first (what it
// was handed before it died or before a database failed), then entries never delivered,
// and takes over entries another consumer left idle too long (XAUTOCLAIM). Each entry is
// applied by the handler in one local transaction with its inbox row, and acknowledged
// (XACK) only after that committed, or after its inbox row showed it was applied before.
// A database failure leaves the entry pending: it is read again after a pause.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <chrono>
#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "common/clock.h"
#include "coordinator/architectures/outbox/message_handlers.h"
#include "coordinator/broker/streams.h"

namespace xacoord::outbox {

class Consumer {
 public:
  using Handler = std::function<boost::asio::awaitable<Applied>(const broker::Message&,
                                                                const std::string& entry_id)>;
  struct Options {
    std::string consumer;  // this node's id: the same after a restart, so it finds its own
    int batch = 64;
    std::chrono::milliseconds block{500};          // XREADGROUP BLOCK when nothing is pending
    std::chrono::milliseconds claim_idle{10'000};  // another consumer's entry idle this long
    std::chrono::milliseconds claim_every{2'000};
    std::chrono::milliseconds first_backoff{50};
    std::chrono::milliseconds max_backoff{2'000};
  };

  // `streams` must be on a client of its own: the blocking read holds its connection.
  Consumer(broker::Streams& streams, std::string stream, std::string group, Handler handler,
           Clock& clock, Options options);

  boost::asio::awaitable<void> run();  // until stop()
  void stop() { stopped_ = true; }

 private:
  boost::asio::awaitable<std::vector<broker::StreamEntry>> next_batch();
  // Applies and acknowledges the entries in order; throws on the first failure (the rest
  // stay pending for the next round).
  boost::asio::awaitable<void> handle(const std::vector<broker::StreamEntry>& entries);

  broker::Streams& streams_;
  std::string stream_;
  std::string group_;
  Handler handler_;
  Clock& clock_;
  Options options_;
  SteadyTime next_claim_{};
  bool group_ready_ = false;
  bool stopped_ = false;
};

}  // namespace xacoord::outbox
