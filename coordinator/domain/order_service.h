// The domain: accounts, orders, and the two transactions the project exists for — pay
// and cancel — written against the 2PC engine (coordinator/engine/two_phase_commit.h).
// Every method runs on the io_context thread and answers with a body, or throws
// ProblemError with the 4xx/5xx the client should see.
#pragma once

#include <utility>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "coordinator/app/health_monitor.h"
#include "coordinator/engine/two_phase_commit.h"
#include "coordinator/observability/coordinator_metrics.h"
#include "participants/orders_sql.h"
#include "participants/pool.h"
#include "protocol/api_types.h"

namespace xacoord {

struct Answer {
  int status = 200;
  std::string body;       // application/json
  bool replayed = false;  // the stored answer to an earlier request with the same key
};

// An Idempotency-Key and the fingerprint of the request that carried it.
struct IdempotencyKey {
  std::string key;
  std::string fingerprint;
};

class OrderService {
 public:
  struct Options {
    std::chrono::seconds idempotency_retention{24 * 3600};
  };

  OrderService(TwoPhaseCommit& engine, db::Pool& orders, db::Pool& payments,
               const HealthMonitor& health, CoordinatorMetrics& metrics, Options options);

  boost::asio::awaitable<Answer> create_account(api::CreateAccountRequest request);
  boost::asio::awaitable<Answer> get_account(std::string account_id);
  boost::asio::awaitable<Answer> create_order(api::CreateOrderRequest request);
  boost::asio::awaitable<Answer> get_order(std::int64_t order_id);

  // PENDING -> PAID with a CAPTURED payment: one XA transaction over both databases.
  boost::asio::awaitable<Answer> pay(std::int64_t order_id, std::optional<IdempotencyKey> key);
  // PENDING -> CANCELLED; PAID -> CANCELLED with the payment REFUNDED (one XA transaction).
  boost::asio::awaitable<Answer> cancel(std::int64_t order_id, std::optional<IdempotencyKey> key);

  // Deletes up to kExpiryBatch expired idempotency keys; returns how many went.
  static constexpr std::int64_t kExpiryBatch = 1000;
  boost::asio::awaitable<std::int64_t> expire_idempotency_keys();

 private:
  struct LockedOrder {
    Results results;               // of lock_statements
    std::optional<Answer> replay;  // the key's stored answer: the transaction is over
    db::orders::OrderRow order;
  };
  boost::asio::awaitable<LockedOrder> lock_order(Transaction& txn, std::int64_t order_id,
                                                 const std::optional<IdempotencyKey>& key);
  boost::asio::awaitable<Answer> pay_in(Transaction& txn, std::int64_t order_id,
                                        const std::optional<IdempotencyKey>& key);
  boost::asio::awaitable<Answer> cancel_in(Transaction& txn, std::int64_t order_id,
                                           const std::optional<IdempotencyKey>& key);
  // Runs `body` as one transaction; on any failure rolls back and throws the problem the
  // client should see. A concurrent request with the same key is retried once: it then
  // finds the stored answer.
  template <typename Body>
  boost::asio::awaitable<Answer> transact(const char* kind, std::int64_t order_id,
                                          const std::optional<IdempotencyKey>& key, Body body);
  // Statements that read the order (locked) and, with a key, its stored answer.
  std::vector<std::string> lock_statements(std::int64_t order_id,
                                           const std::optional<IdempotencyKey>& key) const;
  // The stored answer to replay, if the key has one (422 if it was for another request).
  std::optional<Answer> stored_answer(const Results& results,
                                      const std::optional<IdempotencyKey>& key);
  // Statements that store `answer` under the key (none without a key).
  std::vector<std::string> store_statements(const std::optional<IdempotencyKey>& key,
                                            const Answer& answer,
                                            const Results& lock_results) const;
  std::chrono::steady_clock::time_point read_deadline() const;

  TwoPhaseCommit& engine_;
  db::Pool& orders_;
  db::Pool& payments_;
  const HealthMonitor& health_;
  CoordinatorMetrics& metrics_;
  Options options_;
};

}  // namespace xacoord
