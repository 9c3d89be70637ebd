#include "tools/bench/measurement.h"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <string>
#include <thread>

#include "tools/bench/bench_runner.h"
#include "tools/bench/process_stats.h"
#include "tools/bench/wrk_load.h"
#include "tools/report/progress_bar.h"

namespace xacoord::bench {

using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

namespace {

// xacoord over HTTP, loaded by wrk (tools/bench/wrk_load.h).
Sample measure_with_wrk(const BenchOptions& o, int concurrency,
                        const std::vector<PayTarget>& targets, const Coordinators& coordinators) {
  const std::string script = o.var_dir + "/wrk-pay.lua";
  std::ofstream(script) << wrk_pay_script(targets);
  const int pid = coordinators.processes.at(0)->pid();
  double peak_rss = -1;
  report::ProgressBar bar(o.progress);
  const auto began = Clock::now();
  double cpu_before = cpu_seconds(pid);
  WrkRun run = run_wrk(script, "127.0.0.1", coordinators.ports.at(0), concurrency, o.duration, [&] {
    peak_rss = std::max(peak_rss, rss_mib(pid));
    char caption[96];
    std::snprintf(caption, sizeof caption, "%-10s x%-4d (wrk)", name_of(Mode::kXacoord),
                  concurrency);
    bar.draw(std::chrono::duration<double>(Clock::now() - began) / o.duration, caption);
  });
  double cpu_after = cpu_seconds(pid);
  bar.clear();
  Sample sample;
  sample.latencies = std::move(run.latencies);
  sample.errors = run.errors;
  sample.paid = run.requests - std::min(run.requests, run.errors);
  sample.seconds = run.seconds;
  // wrk's duration starts with its first connection; the coordinator's CPU is over the
  // whole wait, which is the same within a few milliseconds.
  sample.coordinator_cpu = (cpu_after - cpu_before) / run.seconds;
  sample.coordinator_rss_mib = peak_rss;
  sample.load_cpu = run.load_cpu_seconds / run.seconds;
  return sample;
}

}  // namespace

Sample measure(const BenchOptions& o, Mode mode, int concurrency,
               const std::vector<PayTarget>& targets, const Coordinators& coordinators) {
  if (mode == Mode::kXacoord && !o.xacoord_by_threads)
    return measure_with_wrk(o, concurrency, targets, coordinators);
  auto driver_for = [&](int thread) {
    DriverSetup setup{o.orders_url, o.payments_url, "127.0.0.1", coordinators.port_for(thread),
                      std::to_string(thread)};
    return make_driver(mode, setup);
  };
  std::vector<std::unique_ptr<PayDriver>> drivers;
  for (int i = 0; i < concurrency; ++i)
    drivers.push_back(driver_for(i));
  std::atomic<std::size_t> next{0}, errors{0};
  std::atomic<std::uint64_t> sequence{
      static_cast<std::uint64_t>(Clock::now().time_since_epoch().count())};
  std::vector<Latencies> latencies(static_cast<std::size_t>(concurrency));
  std::atomic<bool> go{false};
  std::vector<int> pids;
  if (mode == Mode::kXacoord) {
    for (const auto* p : coordinators.processes)
      pids.push_back(p->pid());
  }
  auto cpu_of_all = [&pids] {
    double sum = 0;
    for (int p : pids)
      sum += cpu_seconds(p);
    return sum;
  };
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
          driver = driver_for(i);
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
  double cpu_before = cpu_of_all();
  began = Clock::now();
  end = began + o.duration;
  go = true;
  // Sample the coordinator's memory while the clients run: the peak of this measurement,
  // with `concurrency` transactions in flight.
  double peak_rss = -1;
  report::ProgressBar bar(o.progress);
  while (Clock::now() < end) {
    for (int p : pids)
      peak_rss = std::max(peak_rss, rss_mib(p));
    char caption[96];
    std::snprintf(caption, sizeof caption, "%-10s x%-4d %zu paid", name_of(mode), concurrency,
                  next.load());
    bar.draw(std::chrono::duration<double>(Clock::now() - began) / o.duration, caption);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (auto& t : threads)
    t.join();
  double wall = std::chrono::duration<double>(Clock::now() - began).count();
  bar.clear();

  Sample sample;
  for (const auto& l : latencies)
    sample.latencies.merge(l);
  sample.paid = sample.latencies.count();
  sample.errors = errors.load();
  sample.seconds = wall;
  if (!pids.empty()) {
    sample.coordinator_cpu = (cpu_of_all() - cpu_before) / wall;
    sample.coordinator_rss_mib = peak_rss;
  }
  return sample;
}

BenchResult summarize(Mode mode, int concurrency, std::vector<Sample>& samples) {
  BenchResult r;
  r.mode = mode;
  r.concurrency = concurrency;
  Latencies all;
  std::vector<double> rates, cpus, loads, us_per_pay;
  for (auto& s : samples) {
    all.merge(s.latencies);
    r.errors += s.errors;
    r.seconds += s.seconds;
    rates.push_back(s.throughput());
    if (s.coordinator_cpu >= 0) cpus.push_back(s.coordinator_cpu);
    if (s.load_cpu >= 0) loads.push_back(s.load_cpu);
    if (s.coordinator_cpu >= 0 && s.paid > 0)
      us_per_pay.push_back(s.coordinator_cpu * s.seconds / static_cast<double>(s.paid) * 1e6);
    r.coordinator_rss_mib = std::max(r.coordinator_rss_mib, s.coordinator_rss_mib);
  }
  for (const auto& s : samples)
    r.transactions += s.paid;
  r.throughput = median(rates);
  if (!cpus.empty()) r.coordinator_cpu = median(cpus);
  if (!loads.empty()) r.load_cpu = median(loads);
  if (!us_per_pay.empty()) r.coordinator_us_per_pay = median(us_per_pay);
  r.p50_ms = all.quantile(0.50) * 1000;
  r.p95_ms = all.quantile(0.95) * 1000;
  r.p99_ms = all.quantile(0.99) * 1000;
  for (int q = 1; q <= 99; ++q)
    r.latency_ms_quantiles.push_back(all.quantile(q / 100.0) * 1000);
  return r;
}

}  // namespace xacoord::bench
