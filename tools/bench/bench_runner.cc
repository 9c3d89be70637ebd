#include "tools/bench/bench_runner.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "participants/sql_text.h"
#include "tools/bench/latency.h"
#include "tools/report/svg_chart.h"
#include "tools/harness/local_pair.h"
#include "tools/harness/serve_process.h"

namespace xacoord::bench {

using Clock = std::chrono::steady_clock;

namespace {

constexpr std::int64_t kAmount = 100;

std::unique_ptr<db::Connection> connect(const std::string& url) {
  db::Timeouts t;
  t.read = std::chrono::seconds(120);
  return db::Connection::open(db::Endpoint::parse(url), t);
}

// Accounts with more money than any run can spend, so no pay is refused.
std::vector<std::string> create_accounts(const BenchOptions& o, const std::string& run_id) {
  auto payments = connect(o.payments_url);
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

// `count` PENDING orders spread round-robin over the accounts, inserted in bulk before
// the measurement starts (auto-increment ids of one multi-row insert are consecutive).
std::vector<PayTarget> create_orders(const BenchOptions& o,
                                     const std::vector<std::string>& accounts, std::size_t count) {
  auto orders = connect(o.orders_url);
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

// utime + stime of a process, in seconds (from /proc/<pid>/stat).
double cpu_seconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Resident memory of a process now (VmRSS), in MiB.
double rss_mib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return -1;
}

struct Coordinator {
  std::unique_ptr<harness::ServeProcess> process;
  std::uint16_t port = 0;
};

Coordinator start_coordinator(const BenchOptions& o, int max_concurrency) {
  Coordinator c;
  c.port = harness::free_port();
  harness::ServeOptions s;
  s.binary = harness::self_executable();
  s.port = c.port;
  s.stderr_path = o.var_dir + "/coordinator.log";
  s.args = {"--listen", "127.0.0.1:" + std::to_string(c.port), "--log-dir",
            o.var_dir + "/coordinator", "--orders", o.orders_url, "--payments", o.payments_url,
            "--node-id", "bench",
            // One session per branch in flight: the pool must cover the concurrency.
            "--pool-size", std::to_string(std::max(64, max_concurrency + 8)), "--max-connections",
            std::to_string(max_concurrency + 64)};
  c.process = harness::ServeProcess::start(s);
  if (!c.process->wait_ready(std::chrono::seconds(60)))
    throw std::runtime_error("the coordinator did not start; see " + s.stderr_path);
  return c;
}

// One measurement of one mode at one concurrency.
struct Sample {
  Latencies latencies;
  std::size_t errors = 0;
  double seconds = 0;
  double coordinator_cpu = -1;
  double coordinator_rss_mib = -1;
  double throughput() const { return static_cast<double>(latencies.count()) / seconds; }
};

Sample measure(const BenchOptions& o, Mode mode, int concurrency,
               const std::vector<PayTarget>& targets, const Coordinator& coordinator) {
  std::vector<std::unique_ptr<PayDriver>> drivers;
  for (int i = 0; i < concurrency; ++i) {
    DriverSetup setup{o.orders_url, o.payments_url, "127.0.0.1", coordinator.port,
                      std::to_string(i)};
    drivers.push_back(make_driver(mode, setup));
  }
  std::atomic<std::size_t> next{0}, errors{0};
  std::atomic<std::uint64_t> sequence{
      static_cast<std::uint64_t>(Clock::now().time_since_epoch().count())};
  std::vector<Latencies> latencies(static_cast<std::size_t>(concurrency));
  std::atomic<bool> go{false};
  const int pid = mode == Mode::kXacoord ? coordinator.process->pid() : 0;
  std::vector<std::thread> threads;
  Clock::time_point began, end;
  for (int i = 0; i < concurrency; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load())
        std::this_thread::yield();
      auto& driver = drivers[static_cast<std::size_t>(i)];
      for (;;) {
        std::size_t k = next.fetch_add(1);
        if (k >= targets.size() || Clock::now() >= end) break;
        auto t0 = Clock::now();
        bool ok = false;
        try {
          ok = driver->pay(targets[k], sequence.fetch_add(1));
        } catch (const std::exception&) {
          // a fresh session rolls back whatever the failed one left unprepared
          DriverSetup setup{o.orders_url, o.payments_url, "127.0.0.1", coordinator.port,
                            std::to_string(i)};
          driver = make_driver(mode, setup);
        }
        if (ok) {
          latencies[static_cast<std::size_t>(i)].add(
              std::chrono::duration<double>(Clock::now() - t0).count());
        } else {
          errors++;
        }
      }
    });
  }
  double cpu_before = pid ? cpu_seconds(pid) : 0;
  began = Clock::now();
  end = began + o.duration;
  go = true;
  // Sample the coordinator's memory while the clients run: the peak of this measurement,
  // with `concurrency` transactions in flight.
  double peak_rss = -1;
  while (Clock::now() < end) {
    if (pid) peak_rss = std::max(peak_rss, rss_mib(pid));
    if (o.progress && ::isatty(2)) {
      double share = std::chrono::duration<double>(Clock::now() - began) / o.duration;
      int bar = static_cast<int>(std::min(1.0, share) * 30);
      std::fprintf(stderr, "\r\033[K[%.*s%*s] %-10s x%-4d %zu paid", bar,
                   "##############################", 30 - bar, "", name_of(mode), concurrency,
                   next.load());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (auto& t : threads)
    t.join();
  double wall = std::chrono::duration<double>(Clock::now() - began).count();
  if (o.progress && ::isatty(2)) std::fprintf(stderr, "\r\033[K");

  Sample sample;
  for (const auto& l : latencies)
    sample.latencies.merge(l);
  sample.errors = errors.load();
  sample.seconds = wall;
  if (pid) {
    sample.coordinator_cpu = (cpu_seconds(pid) - cpu_before) / wall;
    sample.coordinator_rss_mib = peak_rss;
  }
  return sample;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// The repetitions of one mode at one concurrency: the median throughput (robust to a
// disk that is slow for a minute), latency percentiles over every sample together.
BenchResult summarize(Mode mode, int concurrency, std::vector<Sample>& samples) {
  BenchResult r;
  r.mode = mode;
  r.concurrency = concurrency;
  Latencies all;
  std::vector<double> rates, cpus;
  for (auto& s : samples) {
    all.merge(s.latencies);
    r.errors += s.errors;
    r.seconds += s.seconds;
    rates.push_back(s.throughput());
    if (s.coordinator_cpu >= 0) cpus.push_back(s.coordinator_cpu);
    r.coordinator_rss_mib = std::max(r.coordinator_rss_mib, s.coordinator_rss_mib);
  }
  r.transactions = all.count();
  r.throughput = median(rates);
  if (!cpus.empty()) r.coordinator_cpu = median(cpus);
  r.p50_ms = all.quantile(0.50) * 1000;
  r.p95_ms = all.quantile(0.95) * 1000;
  r.p99_ms = all.quantile(0.99) * 1000;
  for (int q = 1; q <= 99; ++q)
    r.latency_ms_quantiles.push_back(all.quantile(q / 100.0) * 1000);
  return r;
}

std::string fmt(double v, int digits = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

const BenchResult* find(const std::vector<BenchResult>& rs, Mode m, int c) {
  for (const auto& r : rs) {
    if (r.mode == m && r.concurrency == c) return &r;
  }
  return nullptr;
}

}  // namespace

BenchReport run_bench(const BenchOptions& o) {
  BenchReport report;
  report.command = o.command;
  std::string run_id = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  auto accounts = create_accounts(o, run_id);
  int max_c = 1;
  for (int c : o.concurrency)
    max_c = std::max(max_c, c);
  Coordinator coordinator;
  for (Mode m : o.modes) {
    if (m == Mode::kXacoord) coordinator = start_coordinator(o, max_c);
  }
  // Generous: no 2-core machine pays this many orders a second on these servers.
  const double rate_bound = 6000;
  for (int c : o.concurrency) {
    // Repetitions interleave the modes, each starting with another one, so a slow minute
    // of the shared disk or a burst of background work lands on every mode alike.
    std::vector<std::vector<Sample>> samples(o.modes.size());
    for (int rep = 0; rep < o.repeat; ++rep) {
      for (std::size_t k = 0; k < o.modes.size(); ++k) {
        std::size_t m = (k + static_cast<std::size_t>(rep)) % o.modes.size();
        auto targets =
            create_orders(o, accounts,
                          static_cast<std::size_t>(
                              rate_bound * std::chrono::duration<double>(o.duration).count()) +
                              100);
        samples[m].push_back(measure(o, o.modes[m], c, targets, coordinator));
        std::fprintf(stderr, "%-10s x%-4d %8.0f txn/s  (repetition %d)\n", name_of(o.modes[m]), c,
                     samples[m].back().throughput(), rep + 1);
      }
    }
    for (std::size_t m = 0; m < o.modes.size(); ++m) {
      report.results.push_back(summarize(o.modes[m], c, samples[m]));
    }
  }
  return report;
}

nlohmann::json BenchReport::to_json() const {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : results) {
    nlohmann::json j{{"mode", name_of(r.mode)},
                     {"concurrency", r.concurrency},
                     {"transactions", r.transactions},
                     {"errors", r.errors},
                     {"seconds", r.seconds},
                     {"throughput", r.throughput},
                     {"p50_ms", r.p50_ms},
                     {"p95_ms", r.p95_ms},
                     {"p99_ms", r.p99_ms},
                     {"latency_ms_percentiles", r.latency_ms_quantiles}};
    if (r.coordinator_cpu >= 0) j["coordinator_cpu_cores"] = r.coordinator_cpu;
    if (r.coordinator_rss_mib >= 0) j["coordinator_peak_rss_mib"] = r.coordinator_rss_mib;
    rows.push_back(j);
  }
  nlohmann::json ratios = nlohmann::json::array();
  std::map<int, bool> seen;
  for (const auto& r : results) {
    if (seen[r.concurrency]) continue;
    seen[r.concurrency] = true;
    auto x = find(results, Mode::kXacoord, r.concurrency),
         f = find(results, Mode::kXaFloor, r.concurrency),
         n = find(results, Mode::kNonAtomic, r.concurrency);
    nlohmann::json j{{"concurrency", r.concurrency}};
    if (x && f && f->throughput > 0) j["xacoord_over_floor"] = x->throughput / f->throughput;
    if (x && f && f->p99_ms > 0) j["xacoord_p99_over_floor_p99"] = x->p99_ms / f->p99_ms;
    if (f && n && n->throughput > 0) j["floor_over_non_atomic"] = f->throughput / n->throughput;
    ratios.push_back(j);
  }
  return {{"command", command}, {"results", rows}, {"ratios", ratios}};
}

std::string BenchReport::to_table() const {
  std::ostringstream out;
  out << "| mode | conc | txn/s | p50 ms | p95 ms | p99 ms | errors | coordinator CPU | "
         "coordinator RSS |\n";
  out << "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : results) {
    out << "| " << name_of(r.mode) << " | " << r.concurrency << " | " << fmt(r.throughput, 0)
        << " | " << fmt(r.p50_ms, 2) << " | " << fmt(r.p95_ms, 2) << " | " << fmt(r.p99_ms, 2)
        << " | " << r.errors << " | "
        << (r.coordinator_cpu >= 0 ? fmt(r.coordinator_cpu * 100, 0) + "% of a core" : "") << " | "
        << (r.coordinator_rss_mib >= 0 ? fmt(r.coordinator_rss_mib, 1) + " MiB" : "") << " |\n";
  }
  out << "\n| conc | xacoord / floor (throughput) | xacoord p99 / floor p99 | floor / non-atomic "
         "|\n|---:|---:|---:|---:|\n";
  const auto json = to_json();  // kept alive: the loop walks into it
  for (const auto& j : json["ratios"]) {
    auto get = [&j](const char* k) {
      return j.contains(k) ? fmt(j[k].get<double>(), 2) : std::string("-");
    };
    out << "| " << j["concurrency"] << " | " << get("xacoord_over_floor") << " | "
        << get("xacoord_p99_over_floor_p99") << " | " << get("floor_over_non_atomic") << " |\n";
  }
  return out.str();
}

std::string BenchReport::throughput_svg() const {
  // Concurrency levels sit at equal distances, whatever their values (1, 8, 32, 64).
  std::vector<int> levels;
  for (const auto& r : results) {
    if (std::find(levels.begin(), levels.end(), r.concurrency) == levels.end())
      levels.push_back(r.concurrency);
  }
  std::sort(levels.begin(), levels.end());
  report::SvgChart chart(640, 320);
  for (Mode m : {Mode::kXacoord, Mode::kXaFloor, Mode::kNonAtomic}) {
    report::SvgChart::Points points;
    for (std::size_t i = 0; i < levels.size(); ++i) {
      if (auto r = find(results, m, levels[i]))
        points.emplace_back(static_cast<double>(i), r->throughput);
    }
    if (!points.empty()) chart.line(std::move(points), name_of(m));
  }
  std::vector<std::pair<double, std::string>> ticks;
  for (std::size_t i = 0; i < levels.size(); ++i)
    ticks.emplace_back(static_cast<double>(i), std::to_string(levels[i]));
  chart.x_range(0, std::max<double>(1, static_cast<double>(levels.size()) - 1));
  chart.x_ticks(std::move(ticks));
  chart.y_unit("txn/s");
  chart.caption("throughput against concurrent clients");
  return chart.render();
}

std::string BenchReport::latency_svg(int at) const {
  report::SvgChart chart(640, 320);
  for (Mode m : {Mode::kXacoord, Mode::kXaFloor, Mode::kNonAtomic}) {
    auto r = find(results, m, at);
    if (!r || r->latency_ms_quantiles.empty()) continue;
    report::SvgChart::Points points;
    for (std::size_t i = 0; i < r->latency_ms_quantiles.size(); ++i) {
      points.emplace_back(static_cast<double>(i + 1), r->latency_ms_quantiles[i]);
    }
    chart.line(std::move(points), name_of(m));
  }
  chart.x_range(0, 100);
  chart.x_ticks({{50, "p50"}, {90, "p90"}, {99, "p99"}});
  chart.y_unit("ms");
  chart.caption("latency percentiles at " + std::to_string(at) + " concurrent clients");
  return chart.render();
}

}  // namespace xacoord::bench
