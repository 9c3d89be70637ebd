// A coordinator process built on fakes, and the world it runs in: the real engine, table
// and recovery (coordinator/engine, coordinator/recovery) over FakeServer sessions, a
// MemoryDecisionStore and a ManualClock. Unit tests of the engine and of recovery crash a
// process at any step and start the next one on the same servers and disk, with no
// database at all (tests/coordinator/engine, tests/coordinator/recovery).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "coordinator/engine/transaction_table.h"
#include "coordinator/engine/two_phase_commit.h"
#include "coordinator/observability/coordinator_metrics.h"
#include "coordinator/observability/metrics.h"
#include "coordinator/recovery/resolver.h"
#include "participants/pool.h"
#include "tests/support/fakes/fake_server.h"
#include "tests/support/fakes/manual_clock.h"
#include "tests/support/fakes/memory_decision_store.h"

namespace xacoord::test {

class FakeWorld;

class FakeCoordinator {
 public:
  struct Options {
    std::string node_id = "1";
    std::chrono::milliseconds deadline{10'000};
    RecoveryOptions recovery;
    std::size_t pool_size = 8;
  };
  FakeCoordinator(FakeWorld& world, Options options);
  ~FakeCoordinator();

  // SIGKILL: the process hears nothing more, its sessions end on both servers, and its
  // store loses what was not durable.
  void crash();
  bool dead() const { return process_->dead; }

  std::shared_ptr<FakeProcess> process() const { return process_; }
  db::Pool& orders() { return *orders_pool_; }
  db::Pool& payments() { return *payments_pool_; }
  MemoryDecisionStore& store() { return *store_; }
  TransactionTable& table() { return *table_; }
  Resolver& resolver() { return *resolver_; }
  TwoPhaseCommit& engine() { return *engine_; }
  metrics::Registry& registry() { return registry_; }

 private:
  FakeWorld& world_;
  std::shared_ptr<FakeProcess> process_;
  std::unique_ptr<FakeSessionFactory> orders_sessions_;
  std::unique_ptr<FakeSessionFactory> payments_sessions_;
  std::unique_ptr<db::Pool> orders_pool_;
  std::unique_ptr<db::Pool> payments_pool_;
  metrics::Registry registry_;
  CoordinatorMetrics metrics_{registry_};
  std::unique_ptr<MemoryDecisionStore> store_;
  std::unique_ptr<TransactionTable> table_;
  std::unique_ptr<Resolver> resolver_;
  std::unique_ptr<TwoPhaseCommit> engine_;
};

class FakeWorld {
 public:
  FakeWorld() = default;
  ~FakeWorld();

  ManualClock clock;
  FakeServer orders{"orders"};
  FakeServer payments{"payments"};
  MemoryDisk disk;

  // Starts a new coordinator process (the previous ones stay, dead or alive).
  FakeCoordinator& start(FakeCoordinator::Options options = {});
  boost::asio::io_context& io() { return io_; }

  // Runs everything that is ready until nothing is (timers wait for advance()).
  void settle();
  // Moves the clock forward in steps of `step`, settling after each, for `total`.
  void advance(std::chrono::milliseconds total,
               std::chrono::milliseconds step = std::chrono::milliseconds(50));

  // Starts `work` as a coroutine; the returned flag says when it has finished, and
  // `error` holds what it threw.
  struct Spawned {
    bool done = false;
    std::exception_ptr error;
  };
  std::shared_ptr<Spawned> spawn(boost::asio::awaitable<void> work);

 private:
  std::vector<std::unique_ptr<FakeCoordinator>> processes_;
  boost::asio::io_context io_;
};

// One pay as the xa architecture builds it, on dummy statements: lock the order on the
// orders branch, then the payments branch, then commit. `txn` is set as soon as it begins.
boost::asio::awaitable<void> pay(FakeCoordinator& c, std::shared_ptr<Transaction>* txn);

}  // namespace xacoord::test
