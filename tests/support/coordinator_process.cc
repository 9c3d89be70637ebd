#include "tests/support/coordinator_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/db_pair.h"
#include "tests/support/test_env.h"

namespace xacoord::test {

CoordinatorOptions CoordinatorOptions::for_pair(const DbPair& pair) {
  CoordinatorOptions o;
  o.orders_url = pair.orders_url();
  o.payments_url = pair.payments_url();
  return o;
}

std::unique_ptr<CoordinatorProcess> CoordinatorProcess::start(CoordinatorOptions options) {
  std::unique_ptr<CoordinatorProcess> p(new CoordinatorProcess());
  if (options.log_dir.empty()) options.log_dir = scratch_dir("coordinator") + "/log";
  if (options.port == 0) options.port = free_port();
  if (options.node_id.empty()) {
    // [A-Za-z0-9_]{1,12}: "t", the pid and a per-process counter.
    static int started = 0;
    options.node_id =
        ("t" + std::to_string(::getpid() % 1'000'000) + "_" + std::to_string(started++ % 1000))
            .substr(0, 12);
  }
  p->stderr_path_ = options.log_dir + ".stderr";
  std::vector<std::string> args{binary_path(), "serve",
                                "--listen",    "127.0.0.1:" + std::to_string(options.port),
                                "--log-dir",   options.log_dir,
                                "--orders",    options.orders_url,
                                "--payments",  options.payments_url,
                                "--node-id",   options.node_id};
  if (!options.crash_at.empty() || !options.stall_at.empty())
    args.push_back("--enable-fault-injection");
  for (const auto& a : options.extra_args)
    args.push_back(a);
  p->options_ = options;

  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = ::open(p->stderr_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 2);
      ::dup2(fd, 1);
    }
    ::setenv("XACOORD_CRASH_AT", options.crash_at.c_str(), 1);
    ::setenv("XACOORD_STALL_AT", options.stall_at.c_str(), 1);
    ::setenv("XACOORD_STALL_MS", std::to_string(options.stall_ms).c_str(), 1);
    for (const auto& [k, v] : options.env)
      ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  p->pid_ = pid;
  return p;
}

CoordinatorProcess::~CoordinatorProcess() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait_exit(std::chrono::seconds(10));
  }
}

bool CoordinatorProcess::running() {
  if (exit_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_ = Exit{WIFSIGNALED(status), WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status)};
    return false;
  }
  return true;
}

std::optional<CoordinatorProcess::Exit> CoordinatorProcess::wait_exit(
    std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return exit_;
}

void CoordinatorProcess::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

bool CoordinatorProcess::wait_ready(std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (!running()) return false;
    try {
      auto c = client(std::chrono::milliseconds(1000));
      if (c.get("/healthz").status == 200) return true;
    } catch (const std::exception&) {
      // not listening yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

HttpClient CoordinatorProcess::client(std::chrono::milliseconds timeout) const {
  return HttpClient("127.0.0.1", options_.port, timeout);
}

std::string CoordinatorProcess::log_text() const {
  std::ifstream in(stderr_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace xacoord::test

namespace xacoord::test {

bool CoordinatorProcess::wait_for_log(const std::string& text, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (log_text().find(text) != std::string::npos) return true;
    if (!running()) return log_text().find(text) != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace xacoord::test
