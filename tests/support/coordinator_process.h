// `xacoord serve` as a child process, for tests that must see the real program: its HTTP
// API, its crash points (SIGKILL at a chosen step), its restarts and its recovery.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/client/http_client.h"
#include "tools/harness/serve_process.h"

namespace xacoord::test {

class DbPair;

struct CoordinatorOptions {
  std::string orders_url;
  std::string payments_url;
  std::string log_dir;      // empty: a fresh scratch directory
  std::string stderr_path;  // empty: beside the log dir (<log_dir>.stderr)
  // Empty: a node id of its own. Coordinators running at once against one pair must not
  // share a node id: each one's start-up recovery treats the node's sessions and prepared
  // branches as left over from its own earlier run.
  std::string node_id;
  std::uint16_t port = 0;  // 0: a free port
  std::string crash_at;    // XACOORD_CRASH_AT, with --enable-fault-injection
  std::string stall_at;    // XACOORD_STALL_AT, with --enable-fault-injection
  int stall_ms = 3000;     // XACOORD_STALL_MS
  std::vector<std::string> extra_args;
  std::vector<std::pair<std::string, std::string>> env;

  static CoordinatorOptions for_pair(const DbPair& pair);
};

class CoordinatorProcess {
 public:
  using Exit = harness::ServeProcess::Exit;

  // Starts the process (does not wait for it to be ready).
  static std::unique_ptr<CoordinatorProcess> start(CoordinatorOptions options);
  ~CoordinatorProcess();  // SIGKILLs it if it still runs

  // Polls /healthz until 200; false if the process exits or the time runs out.
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  std::optional<Exit> wait_exit(std::chrono::milliseconds timeout);
  bool running();
  void signal(int sig);

  std::uint16_t port() const { return options_.port; }
  const CoordinatorOptions& options() const { return options_; }
  HttpClient client(std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;
  // What the process wrote to stderr so far (its event log).
  std::string log_text() const;
  // Waits until the event log contains `text` (e.g. "\"stall_point\""); false on timeout
  // or if the process exits first.
  bool wait_for_log(const std::string& text,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  CoordinatorProcess() = default;
  CoordinatorOptions options_;
  std::unique_ptr<harness::ServeProcess> process_;
  std::string stderr_path_;
};

}  // namespace xacoord::test
