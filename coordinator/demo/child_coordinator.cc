#include "coordinator/demo/child_coordinator.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "coordinator/client/http_client.h"

extern char** environ;

namespace xacoord::demo {

namespace asio = boost::asio;
using std::chrono::milliseconds;

std::uint16_t free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    int error = errno;
    ::close(fd);
    throw std::system_error(error, std::generic_category(), "bind to a free port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

int run_to_completion(const std::vector<std::string>& args, const std::string& stdout_path) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, 1, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&files, 1, 2);
  posix_spawn_file_actions_addclosefrom_np(&files, 3);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, argv[0], &files, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "start " + args[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "waitpid");
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

ChildCoordinator::ChildCoordinator(ChildOptions options, Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

ChildCoordinator::~ChildCoordinator() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void ChildCoordinator::spawn() {
  // The same port across restarts: whoever talks to the child keeps its address.
  if (port_ == 0) port_ = free_loopback_port();
  std::vector<std::string> args{
      options_.binary, "serve", "--listen", "127.0.0.1:" + std::to_string(port_), "--log-dir",
      options_.log_dir, "--orders", options_.orders, "--payments", options_.payments, "--node-id",
      options_.node_id, "--architecture", options_.architecture,
      // Short grace periods: a demo's recovery and scans should
      // be seen within seconds.
      "--orphan-grace", "2s", "--orphan-scan-interval", "1s", "--node-lock-wait-seconds", "15"};
  if (!options_.crash_at.empty()) args.push_back("--enable-fault-injection");
  // The environment of this coordinator, without any crash or stall point of its own.
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    if (entry.starts_with("XACOORD_")) continue;
    env.emplace_back(entry);
  }
  if (!options_.crash_at.empty()) env.push_back("XACOORD_CRASH_AT=" + options_.crash_at);
  std::vector<char*> argv, envp;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, 1, options_.events_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&files, 1, 2);
  // Nothing else of this process: not its listening socket, not its database sessions.
  posix_spawn_file_actions_addclosefrom_np(&files, 3);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, options_.binary.c_str(), &files, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "start the child coordinator");
  pid_ = pid;
  exit_signal_.reset();
  exit_code_.reset();
}

bool ChildCoordinator::reap() {
  if (pid_ <= 0) return true;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return false;
  if (r == pid_) {
    if (WIFSIGNALED(status)) exit_signal_ = WTERMSIG(status);
    if (WIFEXITED(status)) exit_code_ = WEXITSTATUS(status);
  }
  pid_ = -1;
  return true;
}

asio::awaitable<void> ChildCoordinator::start(milliseconds ready_within) {
  spawn();
  const auto until = clock_.now() + ready_within;
  for (int attempt = 0;; ++attempt) {
    if (reap()) {
      throw std::runtime_error("the child coordinator exited before it was ready: " +
                               events_tail());
    }
    // A short blocking probe of a loopback port: refused at once while it starts, and
    // answered within milliseconds once it listens.
    bool ready = false;
    try {
      HttpClient client("127.0.0.1", port_, milliseconds(500));
      ready = client.get("/healthz").status == 200;
    } catch (const std::exception&) {
      ready = false;
    }
    if (ready) co_return;
    if (clock_.now() > until) {
      throw std::runtime_error("the child coordinator was not ready in time: " + events_tail());
    }
    co_await sleep_for(clock_, milliseconds(100));
  }
}

asio::awaitable<bool> ChildCoordinator::wait_exit(milliseconds within) {
  const auto until = clock_.now() + within;
  while (!reap()) {
    if (clock_.now() > until) co_return false;
    co_await sleep_for(clock_, milliseconds(50));
  }
  co_return true;
}

asio::awaitable<void> ChildCoordinator::stop(milliseconds grace) {
  if (pid_ <= 0) co_return;
  ::kill(pid_, SIGTERM);
  // Named results: g++ 12 miscompiles a co_await inside a condition (STYLE.md, "Coroutines").
  const bool exited = co_await wait_exit(grace);
  if (exited || pid_ <= 0) co_return;
  ::kill(pid_, SIGKILL);
  const bool killed = co_await wait_exit(milliseconds(5000));
  (void)killed;
}

std::string ChildCoordinator::events_tail(std::size_t bytes) const {
  std::ifstream in(options_.events_path);
  std::stringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

}  // namespace xacoord::demo
