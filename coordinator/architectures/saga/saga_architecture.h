// `saga` (docs/architectures/saga.md): a pay is two local commits — the charge on payments
// (debit + CAPTURED payment + the saga's log row), then PENDING -> PAID on orders — with a
// compensation (the refund) when the second is refused because the order was cancelled
// first; the cancel of a paid order is a saga too (CANCELLED on orders, then the refund).
// No lock spans the two databases: between the commits they disagree, and the saga's log
// and idempotent steps make sure that after any crash they agree again.
#pragma once

#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "coordinator/architectures/saga/log_closer.h"
#include "coordinator/architectures/saga/open_sagas.h"
#include "coordinator/architectures/saga/saga_driver.h"
#include "coordinator/architectures/saga/saga_metrics.h"
#include "coordinator/architectures/saga/saga_recovery.h"
#include "coordinator/architectures/saga/saga_steps.h"
#include "coordinator/domain/architecture.h"
#include "coordinator/domain/idempotency.h"
#include "coordinator/observability/coordinator_metrics.h"
#include "coordinator/observability/health_monitor.h"
#include "participants/pool.h"

namespace xacoord {

class SagaArchitecture final : public Architecture {
 public:
  struct Options {
    std::string node_id = "1";
    std::uint64_t epoch = 1;
    std::chrono::milliseconds deadline{10'000};
    std::chrono::milliseconds first_backoff{50};
    std::chrono::milliseconds max_backoff{10'000};
    std::chrono::milliseconds orphan_scan_interval{5'000};
  };

  // `executor` runs the background work (retries, the log closer): the io_context's.
  SagaArchitecture(boost::asio::any_io_executor executor, db::Pool& orders, db::Pool& payments,
                   const HealthMonitor& health, const Idempotency& idempotency,
                   CoordinatorMetrics& metrics, Clock& clock, Options options);

  std::string_view name() const override { return "saga"; }
  boost::asio::awaitable<void> recover() override;
  boost::asio::awaitable<void> run_background() override;
  void stop() override;
  boost::asio::awaitable<Answer> pay(std::int64_t order_id,
                                     std::optional<IdempotencyKey> key) override;
  boost::asio::awaitable<Answer> cancel(std::int64_t order_id,
                                        std::optional<IdempotencyKey> key) override;
  ArchitectureStatus status() const override;

 private:
  using SagaPtr = std::shared_ptr<saga::Saga>;

  boost::asio::awaitable<Answer> pay_saga(std::int64_t order_id,
                                          const std::optional<IdempotencyKey>& key);
  boost::asio::awaitable<Answer> cancel_saga(std::int64_t order_id,
                                             const std::optional<IdempotencyKey>& key);
  // Waits (until the deadline) while an open saga of `kind` runs on the order; throws 503
  // if one still runs then.
  boost::asio::awaitable<void> wait_for_open(std::int64_t order_id, saga::Kind kind,
                                             SteadyTime until);
  // The answer of a finished pay saga.
  Answer pay_outcome(const saga::Saga& saga) const;
  // Retries the saga with backoff until it is finished (or the coordinator stops).
  boost::asio::awaitable<void> drive_in_background(SagaPtr saga);
  void hand_to_background(SagaPtr saga);
  // Takes a finished saga out of the open ones; `counted`: a saga of its own (a cancel of
  // a pending order is not one) for the metrics and the event log.
  void finish(const SagaPtr& saga, bool counted = true);
  SagaPtr adopt(const saga::log_sql::Row& row);
  void start_closer();
  std::string next_saga_id();
  SteadyTime deadline() const { return clock_.now() + options_.deadline; }

  boost::asio::any_io_executor executor_;
  db::Pool& orders_;
  db::Pool& payments_;
  const HealthMonitor& health_;
  const Idempotency& idempotency_;
  Clock& clock_;
  Options options_;
  saga::SagaMetrics saga_metrics_;
  saga::SagaSteps steps_;
  saga::LogCloser closer_;
  saga::SagaDriver driver_;
  saga::SagaRecovery recovery_;
  saga::OpenSagas open_;
  std::uint64_t next_seq_ = 1;
  std::size_t requests_ = 0;    // pays and cancels being answered
  std::size_t background_ = 0;  // sagas retried in the background
  bool listed_ = false;         // recovery has read both logs: status() can be trusted
  bool closer_started_ = false;
  bool stopped_ = false;
};

}  // namespace xacoord
