// The demo flag's part of the coordinator (`serve --demo`, docs/dashboard.md, "The demo
// routes"): GET /v1/demo (always served: says whether the flag is on), and with the flag
// POST /v1/demo/{slow-pay,race,reconcile,crash} and GET /v1/demo/runs/{run_id}. Each
// action runs on its own demo accounts and orders ("demo-..."), never on real traffic,
// one run at a time.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/crash_points.h"
#include "coordinator/demo/demo_run.h"
#include "coordinator/demo/shop.h"
#include "coordinator/domain/order_service.h"
#include "coordinator/engine/transaction.h"
#include "coordinator/engine/transaction_table.h"
#include "coordinator/http/api_route_table.h"
#include "coordinator/http/router.h"
#include "participants/pool.h"

namespace xacoord::demo {

struct DemoContext {
  bool enabled = false;  // serve --demo
  OrderService& orders;
  TransactionTable& transactions;
  db::Pool& orders_db;
  db::Pool& payments_db;
  Clock& clock;
  boost::asio::any_io_executor executor;
  std::string node_id;
  std::string architecture;                // this coordinator's
  std::vector<std::string> architectures;  // what --architecture accepts in this build
  // What a child coordinator needs: this binary, the databases, a folder for its logs.
  std::string binary;
  std::string orders_url;
  std::string payments_url;
  std::string work_dir;
};

class Demo {
 public:
  explicit Demo(DemoContext context);
  ~Demo();

  // The engine's step hook (TwoPhaseCommit::Options::at_step): a pay of the slow-pay run's
  // order waits there, so a person can watch its branches change state.
  boost::asio::awaitable<void> at_step(const Transaction& txn, CrashPoint point);

  // Registers GET /v1/demo, and the action and run routes only when the flag is on.
  void add_routes(http::Router& router);

  static constexpr std::string_view kAccountPrefix = "demo-";

  // For the actions (demo_actions.h).
  DemoContext& context() { return context_; }
  Shop& local() { return local_; }
  boost::asio::thread_pool& workers() { return workers_; }
  std::string name(const DemoRun& run, std::string_view what) const;

  struct SlowPay {
    std::int64_t order_id = 0;
    std::chrono::milliseconds step{0};
    DemoRun* run = nullptr;  // alive while its work runs (the work holds it)
  };
  std::optional<SlowPay> slow_pay;

 private:
  DemoContext context_;
  LocalShop local_;
  DemoRuns runs_;
  // Blocking work (HTTP to a child coordinator, the reconcile child): never on the
  // io_context thread. Threads enough for a race's pays and cancels in parallel.
  boost::asio::thread_pool workers_{16};
};

// Every route Demo may register (the docs test holds docs/openapi.yaml to it).
std::span<const http::ApiRoute> demo_route_table();

}  // namespace xacoord::demo
