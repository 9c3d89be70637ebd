#include "tools/harness/etcd_cluster.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tools/harness/local_pair.h"

namespace xacoord::harness {

namespace fs = std::filesystem;

namespace {

bool port_free(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// A client port whose peer port (client + 1, compose/local/etcd) is free too.
std::uint16_t free_port_pair() {
  for (int i = 0; i < 200; ++i) {
    std::uint16_t p = free_port();
    if (p < 65535 && port_free(static_cast<std::uint16_t>(p + 1))) return p;
  }
  throw std::runtime_error("no two adjacent free ports for an etcd member");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::unique_ptr<EtcdCluster> EtcdCluster::start(const std::string& var_dir) {
  std::unique_ptr<EtcdCluster> c(new EtcdCluster());
  // compose/local/etcd sits beside compose/local/db.
  c->script_ = (fs::path(find_compose_script()).parent_path() / "etcd").string();
  fs::create_directories(var_dir);
  c->var_ = fs::absolute(var_dir).string();
  for (std::size_t i = 0; i < c->ports_.size(); ++i) {
    std::uint16_t p;
    bool clash;
    do {
      p = free_port_pair();
      clash = false;
      for (std::size_t j = 0; j < i; ++j)
        clash = clash || p == c->ports_[j] || p + 1 == c->ports_[j] || p == c->ports_[j] + 1;
    } while (clash);
    c->ports_[i] = p;
  }
  if (c->compose("up") != 0) {
    std::string log = read_file(c->var_ + "/etcd-compose.log");
    c->compose("down");
    throw std::runtime_error("compose/local/etcd up failed:\n" + log);
  }
  return c;
}

EtcdCluster::~EtcdCluster() {
  for (int m = 1; m <= 3; ++m) {
    if (int p = pid(m); p > 0) ::kill(p, SIGCONT);  // a paused member could not stop
  }
  compose("down");
}

int EtcdCluster::compose(const std::string& args) const {
  std::string cmd = "XA_VAR='" + var_ + "' XA_ETCD_PORTS=" + std::to_string(ports_[0]) + "," +
                    std::to_string(ports_[1]) + "," + std::to_string(ports_[2]) + " '" + script_ +
                    "' " + args + " >>'" + var_ + "/etcd-compose.log' 2>&1";
  return std::system(cmd.c_str());
}

void EtcdCluster::check(int member) const {
  if (member < 1 || member > 3) {
    throw std::invalid_argument("etcd member " + std::to_string(member) + " (1, 2 or 3)");
  }
}

std::uint16_t EtcdCluster::client_port(int member) const {
  check(member);
  return ports_[member - 1];
}

std::string EtcdCluster::endpoints() const {
  std::string out;
  for (auto p : ports_)
    out += (out.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(p);
  return out;
}

int EtcdCluster::pid(int member) const {
  check(member);
  std::ifstream in(var_ + "/etcd/m" + std::to_string(member) + "/etcd.pid");
  int p = 0;
  in >> p;
  return p > 0 && ::kill(p, 0) == 0 ? p : 0;
}

void EtcdCluster::kill(int member) {
  check(member);
  if (compose("kill " + std::to_string(member)) != 0) {
    throw std::runtime_error("compose/local/etcd kill " + std::to_string(member) + " failed");
  }
}

void EtcdCluster::start(int member) {
  check(member);
  if (compose("start " + std::to_string(member)) != 0) {
    throw std::runtime_error("compose/local/etcd start " + std::to_string(member) + " failed:\n" +
                             read_file(var_ + "/etcd-compose.log"));
  }
}

void EtcdCluster::stop(int member) {
  check(member);
  if (compose("stop " + std::to_string(member)) != 0) {
    throw std::runtime_error("compose/local/etcd stop " + std::to_string(member) + " failed");
  }
}

}  // namespace xacoord::harness
