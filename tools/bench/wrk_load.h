// The HTTP load of `xacoord bench`'s xacoord mode: Debian's `wrk` (one thread, keep-alive
// connections, a Lua script that pays each order once), a load generator that costs little
// CPU; its own CPU is measured (wait4's rusage) and reported beside the coordinator's, so
// the reader can judge the share of the two cores it took.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tools/bench/latency.h"
#include "tools/bench/pay_drivers.h"

namespace xacoord::bench {

struct WrkRun {
  Latencies latencies;  // 1,000 percentiles of wrk's histogram of every answered request
  std::size_t requests = 0;
  std::size_t errors = 0;  // non-2xx answers, connect/read/write errors, timeouts
  double seconds = 0;
  double load_cpu_seconds = 0;  // wrk's user + system time
};

// The Lua script that pays `targets` in order, each once, over wrk's connections.
std::string wrk_pay_script(const std::vector<PayTarget>& targets);

// Runs wrk against http://host:port for `duration` with `connections` connections, with the
// script written to `script_path`; `while_running` is called about every 100 ms.
WrkRun run_wrk(const std::string& script_path, const std::string& host, std::uint16_t port,
               int connections, std::chrono::milliseconds duration,
               const std::function<void()>& while_running);

}  // namespace xacoord::bench
