// Google Benchmark of the decision log on a real disk: every batch is a real write() and
// fdatasync(). docs/performance.md ("Decision log") has the command and the figures.
//
//   BM_GroupCommit/N         N transactions deciding at once, as the coordinator runs them:
//                            coroutines on one io_context thread, each awaiting
//                            async_append of its COMMIT record, then appending its FINISHED
//                            without waiting (what two_phase_commit.cc does).
//   BM_GroupCommitThreads/N  the same with N blocked threads (append_and_wait): the
//                            generic API, bounded on a small machine by thread wake-ups.
//   BM_RawFdatasync          the disk alone: write + fdatasync of a record-sized buffer.
//   BM_MillionTransactions   a million transactions through one log (64 at a time, default
//                            4 MiB segments): bytes written, and bytes left on disk.
//
// Each benchmark runs 10 times for 0.3 s, in random order, and reports medians (the
// defaults main() sets; any --benchmark_* flag overrides them). After the runs it prints
// each family's median rates as ratios to its own 1-appender rate from the same run, and
// checks the target: BM_GroupCommit at 64 appenders >= 20x at 1; the
// program exits 1 if the target is missed. Logs go to $XACOORD_BENCH_DIR (default: the
// current directory), which must be on the disk being measured (not a tmpfs).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "coordinator/log/decision_log.h"

namespace xacoord::dlog {
namespace {

namespace fs = std::filesystem;

CommitDecision decision(const std::string& txn_id) {
  CommitDecision d{txn_id, 1'700'000'000'000, {}};
  d.branches.push_back({"orders", Xid{kXacoordFormatId, "xacoord:" + txn_id, "orders"}});
  d.branches.push_back({"payments", Xid{kXacoordFormatId, "xacoord:" + txn_id, "payments"}});
  return d;
}

fs::path fresh_dir(const std::string& name) {
  const char* base = std::getenv("XACOORD_BENCH_DIR");
  fs::path dir = fs::path(base && *base ? base : ".") /
                 ("decision-log-bench-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  return dir;
}

std::uint64_t bytes_on_disk(const fs::path& dir) {
  std::uint64_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) n += e.file_size();
  }
  return n;
}

void report_batches(benchmark::State& state, const DecisionLog& log) {
  LogStats stats = log.stats();
  state.counters["records_per_fsync"] =
      static_cast<double>(stats.records) /
      static_cast<double>(std::max<std::uint64_t>(1, stats.batches));
}

// One coroutine appender: `count` transactions, one after the other.
boost::asio::awaitable<void> decide(DecisionLog& log, std::string prefix, int count, bool& failed) {
  for (int i = 0; i < count; ++i) {
    std::string id = prefix + std::to_string(i);
    CommitDecision d = decision(id);
    bool durable = co_await log.async_append(std::move(d), boost::asio::use_awaitable);
    if (!durable) failed = true;
    log.append(FinishedRecord{id});
  }
}

// One iteration is a round of 16 transactions per appender.
void BM_GroupCommit(benchmark::State& state) {
  constexpr int kPerAppender = 16;
  const int appenders = static_cast<int>(state.range(0));
  const int round_size = kPerAppender * appenders;
  fs::path dir = fresh_dir("coroutines");
  auto log = DecisionLog::open(posix_file_system(), dir.string());
  boost::asio::io_context io;
  bool failed = false;
  std::uint64_t round = 0;
  for (auto _ : state) {
    for (int a = 0; a < appenders; ++a) {
      std::string prefix = "1-" + std::to_string(round) + "-" + std::to_string(a) + "-";
      boost::asio::co_spawn(io, decide(*log, prefix, kPerAppender, failed), boost::asio::detached);
    }
    io.run();
    io.restart();
    ++round;
  }
  if (failed) state.SkipWithError("not durable");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * round_size);
  report_batches(state, *log);
  log.reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_GroupCommit)->Arg(1)->Arg(8)->Arg(64)->UseRealTime();

// Shared by the threads of one run: set up and torn down by thread 0, outside the timed
// loop (Google Benchmark holds every thread at the loop's start and end).
std::unique_ptr<DecisionLog> shared_log;
fs::path shared_dir;

void BM_GroupCommitThreads(benchmark::State& state) {
  if (state.thread_index() == 0) {
    shared_dir = fresh_dir("threads");
    shared_log = DecisionLog::open(posix_file_system(), shared_dir.string());
  }
  const std::string prefix = "1-1-" + std::to_string(state.thread_index()) + "-";
  std::uint64_t seq = 0;
  for (auto _ : state) {
    const std::string id = prefix + std::to_string(seq++);
    if (!shared_log->append_and_wait(decision(id))) state.SkipWithError("not durable");
    shared_log->append(FinishedRecord{id});
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  if (state.thread_index() == 0) {
    report_batches(state, *shared_log);
    shared_log.reset();
    fs::remove_all(shared_dir);
  }
}
BENCHMARK(BM_GroupCommitThreads)->Threads(1)->Threads(8)->Threads(64)->UseRealTime();

void BM_RawFdatasync(benchmark::State& state) {
  fs::path dir = fresh_dir("raw");
  fs::create_directories(dir);
  const std::string path = (dir / "raw.bin").string();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    state.SkipWithError("cannot create the file");
    return;
  }
  const std::string record(110, 'x');  // about a COMMIT record and a FINISHED record
  for (auto _ : state) {
    if (::write(fd, record.data(), record.size()) != static_cast<ssize_t>(record.size()) ||
        ::fdatasync(fd) != 0) {
      state.SkipWithError("write or fdatasync failed");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  ::close(fd);
  fs::remove_all(dir);
}
BENCHMARK(BM_RawFdatasync)->UseRealTime();

void BM_MillionTransactions(benchmark::State& state) {
  constexpr int kTransactions = 1'000'000, kAppenders = 64;
  for (auto _ : state) {
    fs::path dir = fresh_dir("million");
    auto log = DecisionLog::open(posix_file_system(), dir.string());
    boost::asio::io_context io;
    bool failed = false;
    for (int a = 0; a < kAppenders; ++a) {
      boost::asio::co_spawn(
          io, decide(*log, "1-1-" + std::to_string(a) + "-", kTransactions / kAppenders, failed),
          boost::asio::detached);
    }
    io.run();
    LogStats stats = log->stats();
    log.reset();  // writes what is still queued
    if (failed) state.SkipWithError("not durable");
    state.counters["transactions"] = kTransactions;
    state.counters["bytes_written"] = static_cast<double>(stats.bytes);
    state.counters["segments_created"] = static_cast<double>(stats.segments_created);
    state.counters["bytes_left_on_disk"] = static_cast<double>(bytes_on_disk(dir));
    fs::remove_all(dir);
  }
}
BENCHMARK(BM_MillionTransactions)
    ->Iterations(1)
    ->Repetitions(1)
    ->UseRealTime()
    ->Unit(benchmark::kSecond);

// Prints the runs as usual and remembers each group commit family's rate per appender
// count (the median when the runs are repeated).
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      if (run.error_occurred) continue;
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "median") continue;
      auto rate = run.counters.find("items_per_second");
      if (rate == run.counters.end()) continue;
      const std::string name = run.benchmark_name();
      if (name.rfind("BM_RawFdatasync", 0) == 0) raw = rate->second.value;
      std::string family = name.substr(0, name.find('/'));
      if (family == "BM_GroupCommit") {
        // BM_GroupCommit/<N>/...
        rates[family][std::stoll(name.substr(family.size() + 1))] = rate->second.value;
      } else if (family == "BM_GroupCommitThreads") {
        rates[family][run.threads] = rate->second.value;
      }
    }
  }

  // Prints the ratios; returns the 64-to-1 ratio of `gated` (0 if it did not run).
  double print_ratios(const std::string& gated) {
    double gated_ratio = 0;
    for (auto& [family, by_appenders] : rates) {
      if (!by_appenders.contains(1) || by_appenders[1] <= 0) continue;
      std::printf("\n%s, against its 1-appender rate in this run:\n", family.c_str());
      for (auto [appenders, rate] : by_appenders) {
        std::printf("  %3lld appenders: %8.0f commits/s = %5.1fx\n",
                    static_cast<long long>(appenders), rate, rate / by_appenders[1]);
      }
      if (raw > 0) {
        std::printf("  (the disk alone: %.0f write+fdatasync/s; 1 appender reaches %.0f%% of it)\n",
                    raw, 100 * by_appenders[1] / raw);
      }
      if (family == gated && by_appenders.contains(64))
        gated_ratio = by_appenders[64] / by_appenders[1];
    }
    return gated_ratio;
  }

 private:
  std::map<std::string, std::map<std::int64_t, double>> rates;
  double raw = 0;
};

}  // namespace
}  // namespace xacoord::dlog

int main(int argc, char** argv) {
  // A shared disk's fdatasync latency drifts by 10x within minutes; short repetitions in
  // random order, compared by their medians, keep the ratios about the log and not about
  // the moment. Flags on the command line come after these, so they win.
  std::vector<char*> args{argv[0]};
  std::string defaults[] = {"--benchmark_repetitions=10",
                            "--benchmark_enable_random_interleaving=true",
                            "--benchmark_min_time=0.3", "--benchmark_report_aggregates_only=true"};
  for (auto& d : defaults)
    args.push_back(d.data());
  for (int i = 1; i < argc; ++i)
    args.push_back(argv[i]);
  int args_count = static_cast<int>(args.size());
  benchmark::Initialize(&args_count, args.data());
  if (benchmark::ReportUnrecognizedArguments(args_count, args.data())) return 2;
  xacoord::dlog::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  const double ratio = reporter.print_ratios("BM_GroupCommit");
  if (ratio > 0) {
    std::printf("\nTarget: BM_GroupCommit with 64 appenders >= 20x one appender: %s (%.1fx)\n",
                ratio >= 20 ? "met" : "MISSED", ratio);
    if (ratio < 20) return 1;
  }
  return 0;
}
