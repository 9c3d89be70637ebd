// `serve --reconcile-every`: the invariant check of invariant_check.h in the background,
// every period, on sessions of its own (docs/operations.md, "Scheduled reconciliation").
//
// A run reads both databases on consistent read-only snapshots, which lock no business
// row. Two servers share no snapshot, so under load such a read sees the window between
// XA's two commits (an order PAID whose payment is not yet committed): nothing found there
// is reported as it is. Each finding is read again with locking reads held on both servers
// at once (LOCK IN SHARE MODE: it waits until the transactions holding those rows, prepared
// branches included, have ended, then keeps the rows still while both sides are read), and
// only what the re-check finds again is a discrepancy. A branch of this node still prepared
// counts (invariant 4) once two runs a period apart both listed it.
//
// Each new discrepancy is one `reconcile_discrepancy` event; the last run's report is what
// GET /v1/admin/reconcile answers; the metrics are xacoord_reconcile_*. Runs on the
// io_context thread, like the health checks.
#pragma once

#include <utility>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "coordinator/observability/invariant_check.h"
#include "coordinator/observability/metrics.h"
#include "participants/session.h"

namespace xacoord {

class ScheduledReconciliation {
 public:
  struct Options {
    std::chrono::milliseconds every{60'000};
    std::string node_id;         // invariant 4: only this node's branches
    std::string account_prefix;  // only these accounts (tests that share a database pair)
    // The re-check's innodb_lock_wait_timeout: a locking read that waits longer (a
    // transaction stuck prepared, or one waiting for a row the re-check holds on the other
    // server) gives up, and the next run tries again.
    int lock_wait_seconds = 2;
    // Pause between the snapshot and the re-check, so steps that follow each other without
    // holding locks (saga, outbox) can land first.
    std::chrono::milliseconds recheck_after{200};
    // Findings re-checked per run (one IN list each); the rest wait for the next run.
    std::size_t max_rechecked = 500;
    // Discrepancies listed in the report (all are counted).
    std::size_t max_listed = 100;
  };

  ScheduledReconciliation(db::SessionFactory& orders, db::SessionFactory& payments,
                          metrics::Registry& registry, Options options);
  ~ScheduledReconciliation();

  // Runs every `every` until stop(); the first run at once.
  boost::asio::awaitable<void> run();
  void stop() { stopped_ = true; }

  // The last run's report, for GET /v1/admin/reconcile (io_context thread).
  nlohmann::json report() const;

 private:
  boost::asio::awaitable<void> run_once();
  boost::asio::awaitable<reconcile::Tables> read_snapshots();
  // Reads the rows `findings` name again with locking reads; checks them.
  boost::asio::awaitable<reconcile::Report> recheck(
      const std::vector<reconcile::Discrepancy>& findings);
  void publish(const reconcile::Report& confirmed, std::size_t transient,
               std::chrono::steady_clock::duration took);

  Options options_;
  reconcile::Scope scope_;
  std::unique_ptr<db::Session> orders_;
  std::unique_ptr<db::Session> payments_;
  std::optional<bool> has_funded_;
  bool stopped_ = false;

  // Branches of this node seen prepared by the previous run (invariant 4).
  std::set<std::string> prepared_before_;
  // The last run's discrepancies by "invariant/subject": only new ones are logged.
  std::set<std::string> reported_;

  metrics::Registry& registry_;
  std::map<int, metrics::Gauge*> discrepancies_;
  metrics::Gauge& duration_seconds_;
  metrics::Counter& runs_;
  metrics::Counter& failures_;
  metrics::Counter& transient_;
  metrics::Gauge* last_run_ = nullptr;  // created at the first finished run: see the .cc

  nlohmann::json last_report_;
  std::string last_error_;
  std::uint64_t run_count_ = 0;
  std::uint64_t failure_count_ = 0;
};

}  // namespace xacoord
