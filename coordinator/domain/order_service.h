// The domain: accounts, orders, and the two requests the project exists for — pay and
// cancel — which it asks of the architecture this coordinator runs (architecture.h).
// Every method runs on the io_context thread and answers with a body, or throws
// ProblemError with the 4xx/5xx the client should see.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "coordinator/domain/architecture.h"
#include "coordinator/observability/health_monitor.h"
#include "participants/pool.h"
#include "protocol/api_types.h"

namespace xacoord {

class OrderService {
 public:
  struct Options {
    std::chrono::seconds idempotency_retention{24 * 3600};
    std::chrono::milliseconds read_deadline{10'000};
  };

  OrderService(Architecture& architecture, db::Pool& orders, db::Pool& payments,
               const HealthMonitor& health, Options options, Clock& clock = Clock::system());

  boost::asio::awaitable<Answer> create_account(api::CreateAccountRequest request);
  boost::asio::awaitable<Answer> get_account(std::string account_id);
  boost::asio::awaitable<Answer> create_order(api::CreateOrderRequest request);
  boost::asio::awaitable<Answer> get_order(std::int64_t order_id);

  // PENDING -> PAID with a CAPTURED payment, as the architecture does it.
  boost::asio::awaitable<Answer> pay(std::int64_t order_id, std::optional<IdempotencyKey> key);
  // PENDING -> CANCELLED; PAID -> CANCELLED with the payment REFUNDED.
  boost::asio::awaitable<Answer> cancel(std::int64_t order_id, std::optional<IdempotencyKey> key);

  Architecture& architecture() { return architecture_; }

  // Deletes up to kExpiryBatch expired idempotency keys; returns how many went.
  static constexpr std::int64_t kExpiryBatch = 1000;
  boost::asio::awaitable<std::int64_t> expire_idempotency_keys();

 private:
  // Runs statements on a session of `pool` outside any transaction; failures become
  // problems (a duplicate key is returned as false instead when `duplicate_ok`).
  boost::asio::awaitable<db::Results> read_or_write(db::Pool& pool,
                                                    std::vector<std::string> statements);
  SteadyTime read_deadline() const { return clock_.now() + options_.read_deadline; }

  Architecture& architecture_;
  db::Pool& orders_;
  db::Pool& payments_;
  const HealthMonitor& health_;
  Options options_;
  Clock& clock_;
};

}  // namespace xacoord
