// `naive`: the anti-pattern the other architectures exist to replace (docs/architectures.md).
// A pay is two local commits — payments (debit + CAPTURED), then orders (PAID) — with
// nothing to hold them together: no lock across the two, no log, no recovery. A cancel
// that reads the order between the two commits, or a crash between them, leaves a charge
// without a paid order or a cancelled order that kept its money. It is the baseline the
// invariant checker (`xacoord reconcile`, chaos, compare) must catch; it promises nothing.
#pragma once

#include <atomic>

#include "coordinator/domain/architecture.h"
#include "coordinator/domain/idempotency.h"
#include "coordinator/observability/health_monitor.h"
#include "participants/pool.h"
#include "participants/orders_sql.h"
#include "protocol/txn_id.h"

namespace xacoord {

class NaiveArchitecture final : public Architecture {
 public:
  struct Options {
    std::string node_id = "1";
    std::uint64_t epoch = 1;
    std::chrono::milliseconds deadline{10'000};
  };

  NaiveArchitecture(db::Pool& orders, db::Pool& payments, const HealthMonitor& health,
                    const Idempotency& idempotency, CoordinatorMetrics& metrics, Clock& clock,
                    Options options);

  std::string_view name() const override { return "naive"; }
  boost::asio::awaitable<void> recover() override { co_return; }  // nothing to recover: none kept
  boost::asio::awaitable<void> run_background() override { co_return; }
  void stop() override {}
  boost::asio::awaitable<Answer> pay(std::int64_t order_id,
                                     std::optional<IdempotencyKey> key) override;
  boost::asio::awaitable<Answer> cancel(std::int64_t order_id,
                                        std::optional<IdempotencyKey> key) override;
  ArchitectureStatus status() const override { return ArchitectureStatus{in_flight_, 0}; }

 private:
  boost::asio::awaitable<Answer> answered(boost::asio::awaitable<Answer> work);
  boost::asio::awaitable<Answer> pay_in(std::int64_t order_id, std::optional<IdempotencyKey> key);
  boost::asio::awaitable<Answer> cancel_in(std::int64_t order_id,
                                           std::optional<IdempotencyKey> key);
  struct Read {
    db::orders::OrderRow order;
    std::optional<Answer> replay;
    std::optional<db::Rows> found_answer;
  };
  boost::asio::awaitable<Read> read_order(std::int64_t order_id,
                                          const std::optional<IdempotencyKey>& key);
  // The orders commit: `change`, guarded so it changes one row, and the key's answer. False
  // (nothing committed) when the guard matched no row.
  boost::asio::awaitable<bool> commit_orders(std::string change,
                                             std::vector<std::string> store_answer);
  std::string next_txn_id();
  SteadyTime deadline() const { return clock_.now() + options_.deadline; }

  db::Pool& orders_;
  db::Pool& payments_;
  const HealthMonitor& health_;
  const Idempotency& idempotency_;
  CoordinatorMetrics& metrics_;
  Clock& clock_;
  Options options_;
  std::uint64_t next_seq_ = 1;
  std::size_t in_flight_ = 0;
};

}  // namespace xacoord
