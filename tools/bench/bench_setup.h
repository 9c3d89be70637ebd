// What `xacoord bench` prepares before it measures: funded accounts and pending orders,
// inserted in bulk straight into the databases, and a coordinator of its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "participants/connection.h"
#include "tools/bench/pay_drivers.h"
#include "tools/harness/serve_process.h"

namespace xacoord::bench {

struct BenchOptions;

// A name for this run's accounts, unique across runs on the same databases.
std::string new_run_id();
// The largest of `o.concurrency`: what the coordinators' pools must cover.
int max_concurrency(const BenchOptions& o);

// A session with a read timeout long enough for bulk inserts.
std::unique_ptr<db::Connection> connect_for_setup(const std::string& url);

// Accounts with more money than any run can spend, so no pay is refused.
std::vector<std::string> create_accounts(const BenchOptions& o, const std::string& run_id);

// `count` PENDING orders spread round-robin over the accounts, inserted in bulk before
// the measurement starts (auto-increment ids of one multi-row insert are consecutive).
std::vector<PayTarget> create_orders(const BenchOptions& o,
                                     const std::vector<std::string>& accounts, std::size_t count);

// What one measurement of the xacoord mode loads: one coordinator, or several sharing one
// etcd (`bench --scale-out`), whose clients go round them. Non-owning.
struct Coordinators {
  std::vector<harness::ServeProcess*> processes;
  std::vector<std::uint16_t> ports;
  std::uint16_t port_for(int client) const {
    return ports.empty() ? 0 : ports[static_cast<std::size_t>(client) % ports.size()];
  }
};

struct BenchCoordinator {
  std::unique_ptr<harness::ServeProcess> process;
  std::uint16_t port = 0;
  Coordinators view() const {
    if (!process) return {};
    return {{process.get()}, {port}};
  }
};

// `xacoord serve` on the benchmark's databases, its pool sized for `max_concurrency`: with
// its own decision log, or with `decision_store` "etcd://..." under `node_id`.
BenchCoordinator start_coordinator(const BenchOptions& o, int max_concurrency,
                                   const std::string& node_id = "bench",
                                   const std::string& decision_store = "");

}  // namespace xacoord::bench
