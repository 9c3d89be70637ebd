// Programs the operations tests run besides xacoord: promtool to completion, and
// Prometheus and Alertmanager as long-running children with their own log files.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace xacoord::test {

// The absolute path of `name` on PATH; throws std::runtime_error naming the Debian
// package that provides it (scripts/install-deps installs them all).
std::string find_program(const std::string& name, const std::string& package);

struct ProgramResult {
  int exit_code = -1;  // 128 + signal if it was killed
  std::string output;  // stdout and stderr
};
// Runs `argv` (argv[0] a path) with `input` on its standard input and waits for it.
ProgramResult run_program(const std::vector<std::string>& argv, const std::string& input = "");

class ChildProcess {
 public:
  // Starts `argv` (argv[0] a path) with stdout and stderr appended to `log_path`.
  static std::unique_ptr<ChildProcess> start(std::vector<std::string> argv, std::string log_path);
  // SIGTERM, and SIGKILL if it has not ended 5 s later.
  ~ChildProcess();

  bool running();
  std::string log_text() const;

 private:
  ChildProcess() = default;
  pid_t pid_ = -1;
  bool exited_ = false;
  std::string log_path_;
};

}  // namespace xacoord::test
