// `xa`, the default architecture (docs/architectures.md): pay and cancel as one XA
// transaction over both databases, driven by the 2PC engine (coordinator/engine), with its
// decisions in the decision store and recovery (coordinator/recovery) finishing whatever a
// crash leaves in doubt. The only design that answers with a final outcome under every
// fault.
#pragma once

#include <chrono>

#include "coordinator/domain/architecture.h"
#include "coordinator/domain/idempotency.h"
#include "coordinator/engine/two_phase_commit.h"
#include "coordinator/observability/health_monitor.h"
#include "coordinator/recovery/resolver.h"
#include "participants/orders_sql.h"
#include "participants/pool.h"

namespace xacoord {

class XaArchitecture final : public Architecture {
 public:
  struct Options {
    std::chrono::milliseconds orphan_scan_interval{5'000};
  };

  XaArchitecture(TwoPhaseCommit& engine, Resolver& resolver, TransactionTable& table,
                 db::Pool& orders, db::Pool& payments, const HealthMonitor& health,
                 const Idempotency& idempotency, CoordinatorMetrics& metrics, Clock& clock,
                 Options options);

  std::string_view name() const override { return "xa"; }
  boost::asio::awaitable<void> recover() override;
  boost::asio::awaitable<void> run_background() override;
  void stop() override;
  boost::asio::awaitable<Answer> pay(std::int64_t order_id,
                                     std::optional<IdempotencyKey> key) override;
  boost::asio::awaitable<Answer> cancel(std::int64_t order_id,
                                        std::optional<IdempotencyKey> key) override;
  ArchitectureStatus status() const override;

 private:
  struct LockedOrder {
    db::Results results;           // of the lock statements
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
  // The stored answer's row, as read by lock_order (null without a key).
  static const db::Rows* found_answer(const LockedOrder& locked);

  TwoPhaseCommit& engine_;
  Resolver& resolver_;
  TransactionTable& table_;
  db::Pool& orders_;
  db::Pool& payments_;
  const HealthMonitor& health_;
  const Idempotency& idempotency_;
  CoordinatorMetrics& metrics_;
  Clock& clock_;
  Options options_;
  bool stopped_ = false;
};

}  // namespace xacoord
