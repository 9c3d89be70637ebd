#include "tools/harness/serve_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace xacoord::harness {

std::unique_ptr<ServeProcess> ServeProcess::start(const ServeOptions& options) {
  std::unique_ptr<ServeProcess> p(new ServeProcess());
  p->options_ = options;
  std::vector<std::string> args{options.binary, "serve"};
  args.insert(args.end(), options.args.begin(), options.args.end());
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = ::open(options.stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
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

ServeProcess::~ServeProcess() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait_exit(std::chrono::seconds(10));
  }
}

bool ServeProcess::running() {
  if (exit_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    exit_ = Exit{WIFSIGNALED(status), WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status)};
    return false;
  }
  return true;
}

std::optional<ServeProcess::Exit> ServeProcess::wait_exit(std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return exit_;
}

void ServeProcess::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

bool ServeProcess::wait_ready(std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (!running()) return false;
    try {
      if (client(std::chrono::milliseconds(1000)).get("/healthz").status == 200) return true;
    } catch (const std::exception&) {
      // not listening yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

HttpClient ServeProcess::client(std::chrono::milliseconds timeout) const {
  return HttpClient("127.0.0.1", options_.port, timeout);
}

}  // namespace xacoord::harness
