#include "tests/support/db_pair.h"

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "tests/support/test_env.h"

namespace xacoord::test {

bool have_shared_pair() {
  const char* o = std::getenv("XA_TEST_ORDERS_PORT");
  const char* p = std::getenv("XA_TEST_PAYMENTS_PORT");
  return o && *o && p && *p;
}

std::unique_ptr<DbPair> DbPair::shared() {
  if (!have_shared_pair()) return nullptr;
  std::unique_ptr<DbPair> pair(new DbPair());
  pair->orders_port_ = static_cast<std::uint16_t>(std::atoi(std::getenv("XA_TEST_ORDERS_PORT")));
  pair->payments_port_ =
      static_cast<std::uint16_t>(std::atoi(std::getenv("XA_TEST_PAYMENTS_PORT")));
  const char* var = std::getenv("XA_VAR");
  pair->var_ = var ? var : "";
  return pair;
}

std::unique_ptr<DbPair> DbPair::start_private() {
  std::unique_ptr<DbPair> pair(new DbPair());
  pair->owned_ = true;
  pair->var_ = scratch_dir("dbpair");
  pair->orders_port_ = free_port();
  do {
    pair->payments_port_ = free_port();
  } while (pair->payments_port_ == pair->orders_port_);
  if (pair->compose("up") != 0)
    throw std::runtime_error("compose/local/db up failed for a private pair");
  return pair;
}

DbPair::~DbPair() {
  if (owned_) compose("down");
}

int DbPair::compose(const std::string& args) const {
  // A temporary directory of the pair's own: mariadb-install-db names its temporary
  // tables after little more than its pid, and two pairs bootstrapping at once in /tmp
  // (ctest -j2) failed with "Unknown table 'mysql.tmp_user_sys'".
  std::string cmd = "mkdir -p '" + var_ + "/tmp' && TMPDIR='" + var_ + "/tmp' XA_VAR='" + var_ +
                    "' XA_ORDERS_PORT=" + std::to_string(orders_port_) +
                    " XA_PAYMENTS_PORT=" + std::to_string(payments_port_) + " '" + source_dir() +
                    "/compose/local/db' " + args + " >>'" + var_ + "/compose.log' 2>&1";
  return std::system(cmd.c_str());
}

std::string DbPair::orders_url() const {
  return "mysql://root@127.0.0.1:" + std::to_string(orders_port_) + "/xa_orders";
}

std::string DbPair::payments_url() const {
  return "mysql://root@127.0.0.1:" + std::to_string(payments_port_) + "/xa_payments";
}

std::unique_ptr<db::Connection> DbPair::connect(const std::string& name) const {
  db::Timeouts timeouts;
  timeouts.read = std::chrono::seconds(30);
  return db::Connection::open(db::Endpoint::parse(name == "orders" ? orders_url() : payments_url()),
                              timeouts);
}

int DbPair::pid(const std::string& name) const {
  std::ifstream in(var_ + "/" + name + "/mariadbd.pid");
  int pid = 0;
  in >> pid;
  return pid;
}

void DbPair::kill(const std::string& name) {
  if (!owned_) throw std::logic_error("only a private pair may be killed");
  if (compose("kill " + name) != 0) throw std::runtime_error("kill " + name + " failed");
}

void DbPair::start(const std::string& name) {
  if (!owned_) throw std::logic_error("only a private pair may be restarted");
  if (compose("start " + name) != 0) throw std::runtime_error("start " + name + " failed");
}

void DbPair::pause(const std::string& name) {
  if (!owned_) throw std::logic_error("only a private pair may be paused");
  ::kill(pid(name), SIGSTOP);
}

void DbPair::resume(const std::string& name) {
  ::kill(pid(name), SIGCONT);
}

}  // namespace xacoord::test
