// `xacoord bench`: measure xacoord against the XA floor and the non-atomic baseline.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/flags.h"
#include "tools/bench/bench_runner.h"
#include "tools/bench/scale_out.h"
#include "tools/tool_commands.h"

namespace xacoord {

namespace {

// "1,8,32" into numbers from 1 to `max`; UsageError(`usage`) on anything else.
std::vector<int> numbers_of(const std::string& list, long max, const std::string& usage) {
  std::vector<int> numbers;
  for (std::size_t pos = 0; pos <= list.size();) {
    auto comma = list.find(',', pos);
    auto item = list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    char* end = nullptr;
    long n = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end || n < 1 || n > max) throw UsageError(usage);
    numbers.push_back(static_cast<int>(n));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return numbers;
}

}  // namespace

int bench_command(int argc, char** argv) {
  bench::BenchOptions o;
  std::string concurrency = "1,8,32,64", modes = "xacoord,xa-floor,xa-floor-batched,non-atomic",
              json_path, svg_dir;
  std::int64_t accounts = o.accounts, repeat = o.repeat;
  std::vector<int> node_counts;
  bool quiet = false;
  Flags flags(
      "xacoord bench [--concurrency 1,8,32,64] [--duration 5s] [--accounts N] [--json FILE] "
      "[--svg-dir DIR]",
      "XACOORD_");
  flags.add("orders", "orders database URL", &o.orders_url);
  flags.add("payments", "payments database URL", &o.payments_url);
  flags.add("concurrency", "comma-separated numbers of concurrent clients", &concurrency);
  flags.add("duration", "measurement time per mode and concurrency", &o.duration);
  flags.add("accounts", "funded accounts the orders are spread over", &accounts, 1, 1'000'000);
  flags.add("repeat", "measurements per mode and concurrency (interleaved; medians reported)",
            &repeat, 1, 100);
  flags.add("modes",
            "which of xacoord, xa-floor, xa-floor-batched, non-atomic (the default four) and "
            "xa-floor-locked, xa-floor-merged (the two lock-order shapes, docs/performance.md) to "
            "run",
            &modes);
  flags.add("xacoord-by-threads",
            "load xacoord from the benchmark's own threads instead of wrk (docs/performance.md)",
            &o.xacoord_by_threads);
  flags.add("json", "write the results as JSON to this file", &json_path);
  flags.add("svg-dir", "write throughput.svg and latency.svg here", &svg_dir);
  flags.add("var", "directory for the benchmark coordinator's log (default: a temp dir)",
            &o.var_dir);
  flags.add("quiet", "no progress bar", &quiet);
  std::string scale_out;
  flags.add("scale-out",
            "instead of the modes: pays/s of 1 coordinator on its decision log against N "
            "coordinators sharing one etcd (bench starts its own), for each N of this list, e.g. "
            "1,2,3 (docs/scale-out.md)",
            &scale_out);
  try {
    if (!flags.parse(argc, argv, 2).empty()) throw UsageError(flags.usage());
    o.concurrency =
        numbers_of(concurrency, 4096, "--concurrency takes numbers from 1 to 4096, e.g. 1,8,32,64");
    o.modes.clear();
    for (std::size_t pos = 0; pos <= modes.size();) {
      auto comma = modes.find(',', pos);
      auto item = modes.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      bool known = false;
      for (auto m : bench::kKnownModes) {
        if (item == bench::name_of(m)) {
          o.modes.push_back(m);
          known = true;
        }
      }
      if (!known)
        throw UsageError(
            "--modes takes xacoord, xa-floor, xa-floor-batched, non-atomic, xa-floor-locked, "
            "xa-floor-merged; not '" +
            item + "'");
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    if (!scale_out.empty()) {
      node_counts = numbers_of(scale_out, 8,
                               "--scale-out takes numbers of coordinators from 1 to 8, e.g. 1,2,3");
    }
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  o.accounts = static_cast<int>(accounts);
  o.repeat = static_cast<int>(repeat);
  o.progress = !quiet;
  if (o.var_dir.empty()) {
    char tmpl[] = "/tmp/xacoord-bench.XXXXXX";
    o.var_dir = ::mkdtemp(tmpl);
  }
  o.command = command_line(argc, argv);
  try {
    if (!node_counts.empty()) {
      auto report = bench::run_scale_out(o, node_counts);
      std::printf("%s", report.to_table().c_str());
      if (!json_path.empty()) std::ofstream(json_path) << report.to_json().dump(2) << "\n";
      return 0;
    }
    auto report = bench::run_bench(o);
    std::printf("%s", report.to_table().c_str());
    if (!json_path.empty()) std::ofstream(json_path) << report.to_json().dump(2) << "\n";
    if (!svg_dir.empty()) {
      std::filesystem::create_directories(svg_dir);
      std::ofstream(svg_dir + "/throughput.svg") << report.throughput_svg();
      int at = o.concurrency.back();
      for (int c : o.concurrency) {
        if (c == 32) at = 32;
      }
      std::ofstream(svg_dir + "/latency.svg") << report.latency_svg(at);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xacoord bench: %s\n", e.what());
    return 1;
  }
}

}  // namespace xacoord
