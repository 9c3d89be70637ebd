#include "tools/bench/bench_setup.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "participants/sql_text.h"
#include "tools/bench/bench_runner.h"
#include "tools/harness/local_pair.h"

namespace xacoord::bench {

namespace {

constexpr std::int64_t kAmount = 100;

}  // namespace

std::string new_run_id() {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
}

int max_concurrency(const BenchOptions& o) {
  int max_c = 1;
  for (int c : o.concurrency)
    max_c = std::max(max_c, c);
  return max_c;
}

std::unique_ptr<db::Connection> connect_for_setup(const std::string& url) {
  db::Timeouts t;
  t.read = std::chrono::seconds(120);
  return db::Connection::open(db::Endpoint::parse(url), t);
}

std::vector<std::string> create_accounts(const BenchOptions& o, const std::string& run_id) {
  auto payments = connect_for_setup(o.payments_url);
  std::vector<std::string> ids;
  std::string values;
  for (int i = 0; i < o.accounts; ++i) {
    ids.push_back("bench-" + run_id + "-" + std::to_string(i));
    values += std::string(values.empty() ? "" : ",") + "(" + db::quote(ids.back()) +
              ", 1000000000000, 1000000000000)";
  }
  payments->execute("INSERT INTO accounts (account_id, balance_cents, funded_cents) VALUES " +
                    values);
  return ids;
}

std::vector<PayTarget> create_orders(const BenchOptions& o,
                                     const std::vector<std::string>& accounts, std::size_t count) {
  auto orders = connect_for_setup(o.orders_url);
  std::vector<PayTarget> targets;
  constexpr std::size_t kChunk = 5000;
  for (std::size_t done = 0; done < count; done += kChunk) {
    std::size_t n = std::min(kChunk, count - done);
    std::string values;
    for (std::size_t i = 0; i < n; ++i) {
      values += std::string(i ? "," : "") + "(" +
                db::quote(accounts[(done + i) % accounts.size()]) + ", " + std::to_string(kAmount) +
                ", 'PENDING')";
    }
    auto results =
        orders->batch({"INSERT INTO orders (account_id, amount_cents, status) VALUES " + values,
                       "SELECT LAST_INSERT_ID()"});
    std::int64_t first = db::as_int((*results[1])[0], 0);
    for (std::size_t i = 0; i < n; ++i) {
      targets.push_back(
          {first + static_cast<std::int64_t>(i), accounts[(done + i) % accounts.size()], kAmount});
    }
  }
  return targets;
}

BenchCoordinator start_coordinator(const BenchOptions& o, int max_concurrency,
                                   const std::string& node_id, const std::string& decision_store) {
  BenchCoordinator c;
  c.port = harness::free_port();
  harness::ServeOptions s;
  s.binary = harness::self_executable();
  s.port = c.port;
  const std::string name = node_id == "bench" ? "coordinator" : "coordinator-" + node_id;
  s.stderr_path = o.var_dir + "/" + name + ".log";
  s.args = {"--listen", "127.0.0.1:" + std::to_string(c.port), "--log-dir", o.var_dir + "/" + name,
            "--orders", o.orders_url, "--payments", o.payments_url, "--node-id", node_id,
            // One session per branch in flight: the pool must cover the concurrency.
            "--pool-size", std::to_string(std::max(64, max_concurrency + 8)), "--max-connections",
            std::to_string(max_concurrency + 64)};
  if (!decision_store.empty()) {
    s.args.push_back("--decision-store");
    s.args.push_back(decision_store);
  }
  c.process = harness::ServeProcess::start(s);
  if (!c.process->wait_ready(std::chrono::seconds(60)))
    throw std::runtime_error("the coordinator did not start; see " + s.stderr_path);
  return c;
}

}  // namespace xacoord::bench
