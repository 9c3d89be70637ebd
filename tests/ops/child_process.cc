#include "tests/ops/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace xacoord::test {
namespace {

std::vector<char*> c_argv(std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (auto& a : argv)
    out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

int decode(int status) {
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

}  // namespace

std::string find_program(const std::string& name, const std::string& package) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    auto candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  throw std::runtime_error(name + " is not on PATH: install Debian's " + package +
                           " (scripts/install-deps)");
}

ProgramResult run_program(const std::vector<std::string>& argv_in, const std::string& input) {
  // The input goes through a file, so a child that writes before it has read all of it
  // cannot block on a full pipe while we block writing to it.
  char input_path[] = "/tmp/xacoord-input-XXXXXX";
  int input_fd = ::mkstemp(input_path);
  if (input_fd < 0) throw std::runtime_error("mkstemp failed");
  ::unlink(input_path);
  if (::write(input_fd, input.data(), input.size()) != static_cast<ssize_t>(input.size()) ||
      ::lseek(input_fd, 0, SEEK_SET) != 0) {
    ::close(input_fd);
    throw std::runtime_error("cannot write the input of " + argv_in.at(0));
  }
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> argv = argv_in;
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(input_fd, 0);
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::close(out[0]);
    auto args = c_argv(argv);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(input_fd);
  ::close(out[1]);
  ProgramResult result;
  char buffer[4096];
  for (ssize_t n; (n = ::read(out[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    result.output.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = decode(status);
  return result;
}

std::unique_ptr<ChildProcess> ChildProcess::start(std::vector<std::string> argv,
                                                  std::string log_path) {
  std::unique_ptr<ChildProcess> p(new ChildProcess());
  p->log_path_ = std::move(log_path);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = ::open(p->log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    auto args = c_argv(argv);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  p->pid_ = pid;
  return p;
}

ChildProcess::~ChildProcess() {
  if (!running()) return;
  ::kill(pid_, SIGTERM);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (running() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (running()) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

bool ChildProcess::running() {
  if (exited_) return false;
  if (::waitpid(pid_, nullptr, WNOHANG) == pid_) exited_ = true;
  return !exited_;
}

std::string ChildProcess::log_text() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace xacoord::test
