// A child `xacoord serve` for the demo runs that need a coordinator of their own: one
// killed at a crash point and restarted to show recovery, or one running another
// architecture (docs/dashboard.md, "The demo routes"). Same binary, same two databases,
// its own node id, decision-log folder and port; its event lines go to a file.
//
// Lives on the io_context thread; waiting for it polls (waitpid with WNOHANG), never blocks.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/clock.h"

namespace xacoord::demo {

struct ChildOptions {
  std::string binary;  // this process's own executable
  std::string orders;
  std::string payments;
  std::string node_id;
  std::string log_dir;
  std::string architecture = "xa";
  std::string events_path;  // its stderr (event lines)
  // XACOORD_CRASH_AT for its next start; empty: none. With one, --enable-fault-injection.
  std::string crash_at;
};

class ChildCoordinator {
 public:
  ChildCoordinator(ChildOptions options, Clock& clock);
  ~ChildCoordinator();  // SIGKILLs and reaps a child still running
  ChildCoordinator(const ChildCoordinator&) = delete;
  ChildCoordinator& operator=(const ChildCoordinator&) = delete;

  // Starts it and waits until /healthz answers 200 (recovery done). Throws
  // std::runtime_error, with the tail of its event lines, if it exits or is not ready in time.
  boost::asio::awaitable<void> start(std::chrono::milliseconds ready_within);
  // True once it has exited (within `within`); then exit_signal() says how.
  boost::asio::awaitable<bool> wait_exit(std::chrono::milliseconds within);
  // SIGTERM, then SIGKILL after `grace`.
  boost::asio::awaitable<void> stop(std::chrono::milliseconds grace);

  bool running() const { return pid_ > 0; }
  std::uint16_t port() const { return port_; }
  std::optional<int> exit_signal() const { return exit_signal_; }
  ChildOptions& options() { return options_; }
  // The last lines of its event log (for a failure's message).
  std::string events_tail(std::size_t bytes = 600) const;

 private:
  bool reap();  // true if it has exited
  void spawn();

  ChildOptions options_;
  Clock& clock_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::optional<int> exit_signal_;
  std::optional<int> exit_code_;
};

// Runs `args` (args[0] the executable) to its end with its stdout in `stdout_path` and its
// stderr appended to the same file, and returns its exit status (128 + signal if killed).
// Blocks: call it on a worker thread, never on the io_context thread.
int run_to_completion(const std::vector<std::string>& args, const std::string& stdout_path);

// A port on 127.0.0.1 nothing listens on now (the kernel's choice).
std::uint16_t free_loopback_port();

}  // namespace xacoord::demo
