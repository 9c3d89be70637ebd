#include "tools/bench/wrk_load.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

extern char** environ;

namespace xacoord::bench {

namespace {

// done() prints one line: the counts and 1,000 evenly spaced percentiles of wrk's latency
// histogram (each stands for a thousandth of the requests), so percentiles can be merged
// across repetitions.
constexpr const char* kScriptBody = R"lua(
local next_index = 1
function request()
  local id = orders[next_index]
  next_index = next_index + 1
  if next_index > #orders then next_index = 1 end  -- ran out: repeats answer 409, errors
  return wrk.format("POST", "/v1/orders/" .. id .. "/pay")
end
function done(summary, latency, requests)
  local e = summary.errors
  local parts = {}
  for i = 1, 1000 do parts[i] = tostring(latency:percentile((i - 0.5) / 10)) end
  io.write(string.format(
    'XACOORD_WRK {"requests":%d,"duration_us":%d,"errors":%d,"quantiles_us":[%s]}\n',
    summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout, table.concat(parts, ",")))
end
)lua";

}  // namespace

std::string wrk_pay_script(const std::vector<PayTarget>& targets) {
  std::string out = "orders = {";
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(targets[i].order_id);
  }
  out += "}\n";
  return out + kScriptBody;
}

WrkRun run_wrk(const std::string& script_path, const std::string& host, std::uint16_t port,
               int connections, std::chrono::milliseconds duration,
               const std::function<void()>& while_running) {
  const std::string out_path = script_path + ".out";
  const std::string seconds = std::to_string((duration.count() + 999) / 1000) + "s";
  std::vector<std::string> args{"wrk",
                                "-t1",
                                "-c" + std::to_string(connections),
                                "-d",
                                seconds,
                                "--timeout",
                                "30s",
                                "-s",
                                script_path,
                                "http://" + host + ":" + std::to_string(port) + "/"};
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&files, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, "wrk", &files, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0)
    throw std::runtime_error("cannot start wrk (scripts/install-deps installs it): " +
                             std::string(strerror(rc)));
  int status = 0;
  rusage usage{};
  for (;;) {
    pid_t done = ::wait4(pid, &status, WNOHANG, &usage);
    if (done == pid) break;
    if (done < 0) throw std::runtime_error("waiting for wrk failed");
    while_running();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::ifstream in(out_path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("wrk failed; its output: " + text);
  auto at = text.find("XACOORD_WRK ");
  if (at == std::string::npos) throw std::runtime_error("wrk printed no result: " + text);
  auto line_end = text.find('\n', at);
  auto j = nlohmann::json::parse(text.substr(at + 12, line_end - at - 12));
  WrkRun run;
  run.requests = j["requests"].get<std::size_t>();
  run.errors = j["errors"].get<std::size_t>();
  run.seconds = j["duration_us"].get<double>() / 1e6;
  for (const auto& us : j["quantiles_us"])
    run.latencies.add(us.get<double>() / 1e6);
  run.load_cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  return run;
}

}  // namespace xacoord::bench
