// `tcc` (docs/architectures/tcc.md): a pay is Try on both databases (the order PENDING ->
// PAYING with its tcc_global row; the funds moved from the balance to tcc_frozen), a
// decision recorded in that row, then Confirm (PAID, a CAPTURED payment) or Cancel
// (everything undone) on both, retried until done after any crash. Every step is a local
// transaction with its barrier row. A cancel that meets a PAYING order ends that pay
// (records Cancel if nothing is decided yet) or, if it was decided Confirm, finishes it and
// refunds: one serial outcome either way.
#pragma once

#include <memory>
#include <set>

#include <boost/asio/any_io_executor.hpp>

#include "coordinator/architectures/tcc/tcc_branches.h"
#include "coordinator/architectures/tcc/tcc_driver.h"
#include "coordinator/domain/architecture.h"
#include "coordinator/domain/idempotency.h"
#include "coordinator/observability/coordinator_metrics.h"
#include "coordinator/observability/health_monitor.h"
#include "participants/pool.h"

namespace xacoord {

class TccArchitecture final : public Architecture {
 public:
  struct Options {
    std::string node_id = "1";
    std::uint64_t epoch = 1;
    std::chrono::milliseconds deadline{10'000};
    std::chrono::milliseconds first_backoff{50};
    std::chrono::milliseconds max_backoff{10'000};
    std::chrono::milliseconds orphan_scan_interval{5'000};
  };

  // `executor` runs the background retries: the io_context's.
  TccArchitecture(boost::asio::any_io_executor executor, db::Pool& orders, db::Pool& payments,
                  const HealthMonitor& health, const Idempotency& idempotency,
                  CoordinatorMetrics& metrics, Clock& clock, Options options);

  std::string_view name() const override { return "tcc"; }
  boost::asio::awaitable<void> recover() override;
  boost::asio::awaitable<void> run_background() override;
  void stop() override { stopped_ = true; }
  boost::asio::awaitable<Answer> pay(std::int64_t order_id,
                                     std::optional<IdempotencyKey> key) override;
  boost::asio::awaitable<Answer> cancel(std::int64_t order_id,
                                        std::optional<IdempotencyKey> key) override;
  ArchitectureStatus status() const override;

 private:
  using TxnPtr = std::shared_ptr<tcc::Txn>;

  boost::asio::awaitable<Answer> pay_txn(std::int64_t order_id,
                                         const std::optional<IdempotencyKey>& key);
  boost::asio::awaitable<Answer> cancel_txn(std::int64_t order_id,
                                            const std::optional<IdempotencyKey>& key);
  // Ends (or, if it was decided Confirm, finishes) the pay `gid` a cancel found the order in.
  boost::asio::awaitable<void> settle_paying(std::int64_t order_id, const std::string& gid);
  // The answer of a finished pay.
  Answer pay_outcome(const tcc::Txn& txn) const;
  // The transaction a tcc_global row describes, in the phase its state resumes from.
  TxnPtr adopt(const tcc::sql::GlobalRow& row) const;
  // Retries the transaction with backoff until it is finished (or the coordinator stops).
  void hand_to_background(TxnPtr txn);
  boost::asio::awaitable<void> drive_in_background(TxnPtr txn);
  // One listing of this node's open rows (paged); throws on failure.
  boost::asio::awaitable<std::vector<tcc::sql::GlobalRow>> list_open();
  std::string next_gid();
  SteadyTime deadline() const { return clock_.now() + options_.deadline; }

  boost::asio::any_io_executor executor_;
  db::Pool& orders_;
  db::Pool& payments_;
  const HealthMonitor& health_;
  const Idempotency& idempotency_;
  CoordinatorMetrics& metrics_;
  Clock& clock_;
  Options options_;
  tcc::TccBranches branches_;
  tcc::TccDriver driver_;
  std::set<std::string> driving_;  // gids a request or the background drives now
  std::uint64_t next_seq_ = 1;
  std::size_t requests_ = 0;    // pays and cancels being answered
  std::size_t background_ = 0;  // transactions retried in the background
  bool listed_ = false;         // recovery has listed the open rows: status() can be trusted
  bool stopped_ = false;
};

}  // namespace xacoord
