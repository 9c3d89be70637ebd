// Decisions per second: the etcd decision store (three real members on this machine)
// against the file log (coordinator/log, real fdatasync), at 1, 8 and 64 concurrent
// deciders. docs/scale-out.md ("Measured") has the command and the figures.
//
// A decider does what the 2PC engine does with its store: it awaits the COMMIT decision
// (record_commit, or the log's async_append), then records FINISHED without waiting.
// Every (store, deciders) pair runs --repeat times for --duration, all runs in one random
// order (so a drift of the shared disk does not land on one configuration), and the
// figures are medians. The etcd store runs with each --in-flight value (transactions out
// at once; 1 is group commit as the file log does it); --max-batch 1 turns its batching
// off, to measure what batching gives.
//
//   decision_store_bench [--deciders 1,8,64] [--duration-ms 1000] [--repeat 5]
//                        [--in-flight 1,2] [--max-batch 100] [--endpoints etcd://H:P,...]
//                        [--dir DIR]
//                        [--seed N] [--json]
// Without --endpoints it starts its own cluster (compose/local/etcd, free ports) under
// DIR (default: the current directory, which must be on the disk being measured); the
// file log is written there too.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "coordinator/log/decision_log.h"
#include "coordinator/store/etcd/etcd_decision_store.h"
#include "tools/harness/etcd_cluster.h"

namespace xacoord {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Flags {
  std::vector<int> deciders{1, 8, 64};
  std::vector<int> in_flight{1, 2};
  int duration_ms = 1000;
  int max_batch = 100;
  int repeat = 5;
  std::string endpoints;
  std::string dir = ".";
  unsigned seed = 2026;
  bool json = false;
};

std::vector<int> int_list(const std::string& text, const char* flag) {
  std::vector<int> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    char* end = nullptr;
    long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 1 || v > 100000) {
      throw std::invalid_argument(std::string(flag) + ": '" + item + "' is not a positive number");
    }
    out.push_back(static_cast<int>(v));
  }
  if (out.empty()) throw std::invalid_argument(std::string(flag) + " needs at least one value");
  return out;
}

Flags parse_flags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--deciders")
      f.deciders = int_list(value(), "--deciders");
    else if (a == "--in-flight")
      f.in_flight = int_list(value(), "--in-flight");
    else if (a == "--duration-ms")
      f.duration_ms = int_list(value(), "--duration-ms").at(0);
    else if (a == "--repeat")
      f.repeat = int_list(value(), "--repeat").at(0);
    else if (a == "--max-batch")
      f.max_batch = int_list(value(), "--max-batch").at(0);
    else if (a == "--endpoints")
      f.endpoints = value();
    else if (a == "--dir")
      f.dir = value();
    else if (a == "--seed")
      f.seed = static_cast<unsigned>(int_list(value(), "--seed").at(0));
    else if (a == "--json")
      f.json = true;
    else if (a == "--help" || a == "-h") {
      std::printf(
          "usage: decision_store_bench [--deciders 1,8,64] [--duration-ms 1000] "
          "[--repeat 5] [--in-flight 1,2] [--max-batch 100] [--endpoints etcd://H:P,...] [--dir "
          "DIR] "
          "[--seed N] [--json]\n(docs/scale-out.md, \"Measured\")\n");
      std::exit(0);
    } else {
      throw std::invalid_argument("unknown flag " + a + " (--help)");
    }
  }
  return f;
}

CommitDecision decision(const std::string& txn_id) {
  CommitDecision d{txn_id, 1'700'000'000'000, {}};
  d.branches.push_back({"orders", Xid{kXacoordFormatId, "xacoord:" + txn_id, "orders"}});
  d.branches.push_back({"payments", Xid{kXacoordFormatId, "xacoord:" + txn_id, "payments"}});
  return d;
}

// One measured run: `deciders` coroutines on `io`, each deciding in a loop until the
// duration is over; returns decisions per second. The context never runs out of work
// (the registration's keep-alive), so it is driven one handler at a time until the
// deciders are done.
template <typename Decide, typename Finish>
double run_deciders(asio::io_context& io, int deciders, std::chrono::milliseconds duration,
                    std::uint64_t& next_id, Decide decide, Finish finish) {
  std::uint64_t done = 0;
  bool failed = false;
  int running = deciders;
  auto started = Clock::now();
  auto stop_at = started + duration;
  Clock::time_point ended = stop_at;
  for (int i = 0; i < deciders; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          while (Clock::now() < stop_at) {
            std::string id = "b1-1-" + std::to_string(next_id++);
            if (!co_await decide(decision(id))) failed = true;
            finish(id);
            ++done;
          }
        },
        [&](std::exception_ptr e) {
          if (e) failed = true;
          if (--running == 0) ended = Clock::now();
        });
  }
  while (running > 0)
    io.run_one();
  if (failed) throw std::runtime_error("a decision was not recorded");
  return static_cast<double>(done) / std::chrono::duration<double>(ended - started).count();
}

struct RunResult {
  double per_second = 0;
  double batch_mean = 0;  // etcd only: decisions per transaction
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int run(const Flags& flags) {
  fs::path base = fs::absolute(flags.dir) / ("decision-store-bench-" + std::to_string(::getpid()));
  fs::create_directories(base);
  std::unique_ptr<harness::EtcdCluster> cluster;
  std::string endpoints = flags.endpoints;
  if (endpoints.empty()) {
    std::fprintf(stderr, "starting a three-member etcd cluster under %s\n", base.c_str());
    cluster = harness::EtcdCluster::start((base / "etcd").string());
    endpoints = cluster->url();
  }

  asio::io_context io;
  etcd::Client client(io.get_executor(), etcd::parse_endpoints(endpoints));
  auto log = dlog::DecisionLog::open(dlog::posix_file_system(), (base / "log").string());

  // One registration and one store per in-flight setting, for the whole run.
  std::unique_ptr<etcd::NodeRegistration> registration;
  std::map<int, std::unique_ptr<etcd::EtcdDecisionStore>> stores;
  const etcd::KeyLayout layout("/xacoord-bench/" + std::to_string(::getpid()));
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        etcd::RegistrationOptions r;
        r.description = "decision_store_bench";
        registration = co_await etcd::NodeRegistration::acquire(client, layout, "b1", r);
        for (int k : flags.in_flight) {
          etcd::EtcdStoreOptions o;
          o.max_in_flight = static_cast<std::size_t>(k);
          o.max_batch = static_cast<std::size_t>(flags.max_batch);
          stores[k] = co_await etcd::EtcdDecisionStore::open(client, *registration, o);
        }
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  // The keep-alive loop runs forever: run until the stores are open, not until idle.
  while (stores.size() < flags.in_flight.size())
    io.run_one();

  struct Config {
    std::string store;  // "file" or "etcd/K"
    int in_flight;
    int deciders;
  };
  std::vector<Config> runs;
  for (int r = 0; r < flags.repeat; ++r) {
    for (int d : flags.deciders) {
      runs.push_back({"file", 0, d});
      for (int k : flags.in_flight)
        runs.push_back({"etcd/" + std::to_string(k), k, d});
    }
  }
  std::mt19937 rng(flags.seed);
  std::shuffle(runs.begin(), runs.end(), rng);

  std::map<std::pair<std::string, int>, std::vector<double>> rates, batches;
  std::uint64_t next_id = 0;
  const std::chrono::milliseconds duration(flags.duration_ms);
  for (const auto& c : runs) {
    RunResult r;
    if (c.store == "file") {
      r.per_second = run_deciders(
          io, c.deciders, duration, next_id,
          [&](CommitDecision d) -> asio::awaitable<bool> {
            co_return co_await log->async_append(std::move(d), asio::use_awaitable);
          },
          [&](const std::string& id) { log->append(FinishedRecord{id}); });
    } else {
      auto& store = *stores.at(c.in_flight);
      auto before = store.stats();
      r.per_second = run_deciders(
          io, c.deciders, duration, next_id,
          [&](CommitDecision d) -> asio::awaitable<bool> {
            co_return co_await store.record_commit(std::move(d));
          },
          [&](const std::string& id) { store.record_finished(id); });
      auto after = store.stats();
      r.batch_mean =
          static_cast<double>(after.batched - before.batched) /
          static_cast<double>(std::max<std::uint64_t>(1, after.batches - before.batches));
    }
    rates[{c.store, c.deciders}].push_back(r.per_second);
    batches[{c.store, c.deciders}].push_back(r.batch_mean);
    std::fprintf(stderr, "  %-7s %3d deciders: %9.0f decisions/s\n", c.store.c_str(), c.deciders,
                 r.per_second);
  }

  nlohmann::json out = nlohmann::json::array();
  std::printf("\nmedians of %d interleaved runs of %d ms (decisions/s)\n", flags.repeat,
              flags.duration_ms);
  std::printf("%-9s", "deciders");
  std::vector<std::string> names{"file"};
  for (int k : flags.in_flight)
    names.push_back("etcd/" + std::to_string(k));
  for (const auto& n : names)
    std::printf(" %12s", n.c_str());
  for (int k : flags.in_flight)
    std::printf(" %12s", ("etcd/" + std::to_string(k) + " : file").c_str());
  std::printf(" %14s\n", "decisions/txn");
  for (int d : flags.deciders) {
    std::printf("%-9d", d);
    double file = median(rates[{"file", d}]);
    for (const auto& n : names)
      std::printf(" %12.0f", median(rates[{n, d}]));
    for (int k : flags.in_flight)
      std::printf(" %12.2f", median(rates[{"etcd/" + std::to_string(k), d}]) / file);
    std::printf(" %14.1f\n", median(batches[{"etcd/" + std::to_string(flags.in_flight[0]), d}]));
    for (const auto& n : names) {
      out.push_back({{"store", n},
                     {"deciders", d},
                     {"decisions_per_s", median(rates[{n, d}])},
                     {"runs", rates[{n, d}]},
                     {"decisions_per_txn", n == "file" ? 0.0 : median(batches[{n, d}])}});
    }
  }
  if (flags.json) std::printf("%s\n", out.dump().c_str());

  // Clean up: the stores, the registration (revoked), the logs.
  bool closed = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (auto& [k, s] : stores)
          co_await s->close();
        co_await registration->release();
        closed = true;
      },
      asio::detached);
  while (!closed)
    io.run_one();
  stores.clear();
  registration.reset();
  log.reset();
  cluster.reset();
  fs::remove_all(base);
  return 0;
}

}  // namespace
}  // namespace xacoord

int main(int argc, char** argv) {
  try {
    return xacoord::run(xacoord::parse_flags(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "decision_store_bench: %s\n", e.what());
    return 2;
  }
}
