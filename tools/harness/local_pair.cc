#include "tools/harness/local_pair.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace xacoord::harness {

namespace fs = std::filesystem;

std::string self_executable() {
  return fs::read_symlink("/proc/self/exe").string();
}

std::string find_compose_script() {
  if (const char* dir = std::getenv("XACOORD_SOURCE_DIR"); dir && *dir) {
    fs::path p = fs::path(dir) / "compose/local/db";
    if (fs::exists(p)) return p.string();
  }
  for (fs::path dir = fs::path(self_executable()).parent_path();
       !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    if (fs::exists(dir / "compose/local/db")) return (dir / "compose/local/db").string();
  }
  throw std::runtime_error(
      "cannot find compose/local/db; set XACOORD_SOURCE_DIR to the repository");
}

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("no free port");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::unique_ptr<LocalPair> LocalPair::start(const std::string& var_dir) {
  std::unique_ptr<LocalPair> pair(new LocalPair());
  pair->script_ = find_compose_script();
  fs::create_directories(var_dir);
  pair->var_ = fs::absolute(var_dir).string();
  pair->orders_port_ = free_port();
  do {
    pair->payments_port_ = free_port();
  } while (pair->payments_port_ == pair->orders_port_);
  if (pair->compose("up") != 0) {
    std::ifstream log(pair->var_ + "/compose.log");
    std::stringstream text;
    text << log.rdbuf();
    throw std::runtime_error("compose/local/db up failed:\n" + text.str());
  }
  return pair;
}

LocalPair::~LocalPair() {
  resume("orders");
  resume("payments");
  compose("down");
}

int LocalPair::compose(const std::string& args) const {
  // A temporary directory of the pair's own: mariadb-install-db names its temporary
  // tables after little more than its pid, and two pairs bootstrapping at once in /tmp
  // (ctest -j2, or chaos beside the tests) failed with "Unknown table 'mysql.tmp_user_sys'".
  std::string cmd = "mkdir -p '" + var_ + "/tmp' && TMPDIR='" + var_ + "/tmp' XA_VAR='" + var_ +
                    "' XA_ORDERS_PORT=" + std::to_string(orders_port_) +
                    " XA_PAYMENTS_PORT=" + std::to_string(payments_port_) + " '" + script_ + "' " +
                    args + " >>'" + var_ + "/compose.log' 2>&1";
  return std::system(cmd.c_str());
}

std::uint16_t LocalPair::port(const std::string& name) const {
  return name == "orders" ? orders_port_ : payments_port_;
}

std::string LocalPair::url(const std::string& name) const {
  bool orders = name == "orders";
  return "mysql://root@127.0.0.1:" + std::to_string(orders ? orders_port_ : payments_port_) +
         (orders ? "/xa_orders" : "/xa_payments");
}

std::unique_ptr<db::Connection> LocalPair::connect(const std::string& name) const {
  db::Timeouts timeouts;
  timeouts.connect = std::chrono::seconds(2);
  timeouts.read = std::chrono::seconds(60);
  return db::Connection::open(db::Endpoint::parse(url(name)), timeouts);
}

int LocalPair::pid(const std::string& name) const {
  std::ifstream in(var_ + "/" + name + "/mariadbd.pid");
  int pid = 0;
  in >> pid;
  return pid;
}

void LocalPair::kill(const std::string& name) {
  resume(name);  // a stopped process dies of SIGKILL too, but keep the states simple
  if (compose("kill " + name) != 0) throw std::runtime_error("kill " + name + " failed");
}

void LocalPair::restart(const std::string& name) {
  if (compose("start " + name) != 0) throw std::runtime_error("restart " + name + " failed");
}

void LocalPair::pause(const std::string& name) {
  if (int p = pid(name); p > 0) ::kill(p, SIGSTOP);
}

void LocalPair::resume(const std::string& name) {
  if (int p = pid(name); p > 0) ::kill(p, SIGCONT);
}

}  // namespace xacoord::harness
