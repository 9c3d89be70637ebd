// `xacoord serve` as a child process that chaos (and tests) can crash, restart and watch.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/client/http_client.h"

namespace xacoord::harness {

struct ServeOptions {
  std::string binary;             // the xacoord program
  std::vector<std::string> args;  // after "serve"
  std::vector<std::pair<std::string, std::string>> env;
  std::string stderr_path;  // appended to
  std::uint16_t port = 0;   // what --listen says (for the client and readiness)
};

class ServeProcess {
 public:
  struct Exit {
    bool signaled = false;
    int code = 0;  // exit status, or the signal number
  };
  static std::unique_ptr<ServeProcess> start(const ServeOptions& options);
  ~ServeProcess();  // SIGKILL if still running

  bool running();
  int pid() const { return pid_; }
  std::optional<Exit> exit_status() const { return exit_; }
  std::optional<Exit> wait_exit(std::chrono::milliseconds timeout);
  void signal(int sig);
  // Polls GET /healthz until 200; false if the process died or time ran out.
  bool wait_ready(std::chrono::milliseconds timeout);
  HttpClient client(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  ServeProcess() = default;
  ServeOptions options_;
  pid_t pid_ = -1;
  std::optional<Exit> exit_;
};

}  // namespace xacoord::harness
