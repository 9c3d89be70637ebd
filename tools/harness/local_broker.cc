#include "tools/harness/local_broker.h"

#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tools/harness/local_pair.h"

namespace xacoord::harness {

namespace fs = std::filesystem;

std::unique_ptr<LocalBroker> LocalBroker::start(const std::string& var_dir,
                                                LocalBrokerOptions options) {
  std::unique_ptr<LocalBroker> broker(new LocalBroker());
  // compose/local/broker sits next to compose/local/db.
  broker->script_ = (fs::path(find_compose_script()).parent_path() / "broker").string();
  fs::create_directories(var_dir);
  broker->var_ = fs::absolute(var_dir).string();
  broker->port_ = free_port();
  broker->options_ = options;
  broker->must("up");
  return broker;
}

LocalBroker::~LocalBroker() {
  resume();
  compose("down");
}

int LocalBroker::compose(const std::string& args) const {
  std::string cmd = "XA_VAR='" + var_ + "' XA_BROKER_PORT=" + std::to_string(port_) +
                    (options_.unsafe_no_aof ? " XA_BROKER_UNSAFE_NO_AOF=1" : "") + " '" + script_ +
                    "' " + args + " >>'" + var_ + "/broker-compose.log' 2>&1";
  return std::system(cmd.c_str());
}

void LocalBroker::must(const std::string& args) const {
  if (compose(args) == 0) return;
  std::ifstream log(var_ + "/broker-compose.log");
  std::stringstream text;
  text << log.rdbuf();
  throw std::runtime_error("compose/local/broker " + args + " failed:\n" + text.str());
}

std::string LocalBroker::url() const {
  return "redis://127.0.0.1:" + std::to_string(port_);
}

int LocalBroker::pid() const {
  std::ifstream in(var_ + "/broker/redis.pid");
  int pid = 0;
  in >> pid;
  if (pid <= 0) return 0;
  // A zombie (killed, not yet reaped by whatever adopted the daemon) is not running.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string ignored, state;
  stat >> ignored >> ignored >> state;
  return state.empty() || state == "Z" || state == "X" ? 0 : pid;
}

void LocalBroker::kill() {
  must("kill");
}
void LocalBroker::restart() {
  must("start");
}
void LocalBroker::stop() {
  must("stop");
}

void LocalBroker::pause() {
  if (int p = pid(); p > 0) ::kill(p, SIGSTOP);
}

void LocalBroker::resume() {
  if (int p = pid(); p > 0) ::kill(p, SIGCONT);
}

}  // namespace xacoord::harness
