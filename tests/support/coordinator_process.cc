#include "tests/support/coordinator_process.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
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
  p->stderr_path_ = options.stderr_path.empty() ? options.log_dir + ".stderr" : options.stderr_path;
  harness::ServeOptions serve;
  serve.binary = binary_path();
  serve.port = options.port;
  serve.stderr_path = p->stderr_path_;
  serve.args = {"--listen",   "127.0.0.1:" + std::to_string(options.port),
                "--log-dir",  options.log_dir,
                "--orders",   options.orders_url,
                "--payments", options.payments_url,
                "--node-id",  options.node_id};
  if (!options.crash_at.empty() || !options.stall_at.empty()) {
    serve.args.push_back("--enable-fault-injection");
  }
  serve.args.insert(serve.args.end(), options.extra_args.begin(), options.extra_args.end());
  serve.env = {{"XACOORD_CRASH_AT", options.crash_at},
               {"XACOORD_STALL_AT", options.stall_at},
               {"XACOORD_STALL_MS", std::to_string(options.stall_ms)}};
  serve.env.insert(serve.env.end(), options.env.begin(), options.env.end());
  p->options_ = options;
  p->process_ = harness::ServeProcess::start(serve);
  return p;
}

CoordinatorProcess::~CoordinatorProcess() = default;  // ServeProcess SIGKILLs a live child

bool CoordinatorProcess::running() {
  return process_->running();
}

std::optional<CoordinatorProcess::Exit> CoordinatorProcess::wait_exit(
    std::chrono::milliseconds timeout) {
  return process_->wait_exit(timeout);
}

void CoordinatorProcess::signal(int sig) {
  process_->signal(sig);
}

bool CoordinatorProcess::wait_ready(std::chrono::milliseconds timeout) {
  return process_->wait_ready(timeout);
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
