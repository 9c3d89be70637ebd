// What each message does where it arrives (docs/architectures/outbox.md, "Sequence"), each
// in one local transaction that begins with the message's inbox row: a message delivered
// again (republished, or claimed from a consumer that died before XACK) finds its inbox row
// and changes nothing. A follow-up message is an outbox row of the same transaction.
//
//  on payments  charge          debit + CAPTURED payment + "charged"; short of funds (or no
//                               account): "charge_refused" only
//               refund          the CAPTURED payment REFUNDED, the account credited
//  on orders    charged         PAYING -> PAID; an order cancelled meanwhile: "refund"
//               charge_refused  PAYING -> PENDING; a cancelled order stays as it is
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <chrono>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "common/clock.h"
#include "coordinator/architectures/outbox/outbox_messages.h"
#include "coordinator/architectures/outbox/outbox_metrics.h"
#include "coordinator/architectures/outbox/wakeup.h"
#include "coordinator/broker/message.h"
#include "participants/pool.h"

namespace xacoord::outbox {

enum class Applied {
  kApplied,    // changed what the message asks, committed with its inbox row
  kDuplicate,  // its inbox row was there: applied before, nothing done now
  kParked,     // not a message this side understands: acknowledged and logged
};

class MessageHandlers {
 public:
  struct Topics {
    std::string to_orders;
    std::string to_payments;
  };
  // `orders_relay` and `payments_relay` are woken when a follow-up row commits.
  MessageHandlers(db::Pool& orders, db::Pool& payments, Topics topics, Wakeup& orders_relay,
                  Wakeup& payments_relay, OutboxMetrics& metrics, Clock& clock,
                  std::chrono::milliseconds deadline);

  // A message of the stream to payments (entry `entry_id`). Throws db::DbError and the
  // like when the database fails: the message stays pending and comes again.
  boost::asio::awaitable<Applied> on_payments(const broker::Message& m,
                                              const std::string& entry_id);
  boost::asio::awaitable<Applied> on_orders(const broker::Message& m, const std::string& entry_id);

 private:
  boost::asio::awaitable<Applied> charge(const broker::Message& m, const std::string& entry_id,
                                         const Payload& p);
  boost::asio::awaitable<Applied> refund(const broker::Message& m, const std::string& entry_id,
                                         const Payload& p);
  boost::asio::awaitable<Applied> settle(const broker::Message& m, const std::string& entry_id,
                                         Kind kind, const Payload& p);
  Applied park(const broker::Message& m, const std::string& stream, const std::string& why);
  SteadyTime deadline() const { return clock_.now() + deadline_; }

  db::Pool& orders_;
  db::Pool& payments_;
  Topics topics_;
  Wakeup& orders_relay_;
  Wakeup& payments_relay_;
  OutboxMetrics& metrics_;
  Clock& clock_;
  std::chrono::milliseconds deadline_;
};

}  // namespace xacoord::outbox
