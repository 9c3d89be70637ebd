#include "tests/support/db_pair.h"

#include <cstdlib>
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
  pair->private_ = harness::LocalPair::start(scratch_dir("dbpair"));
  pair->var_ = pair->private_->var_dir();
  pair->orders_port_ = pair->private_->port("orders");
  pair->payments_port_ = pair->private_->port("payments");
  return pair;
}

DbPair::~DbPair() = default;

harness::LocalPair& DbPair::owned(const char* what) {
  if (!private_) throw std::logic_error(std::string("only a private pair may be ") + what);
  return *private_;
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
  return private_ ? private_->pid(name) : 0;
}

void DbPair::kill(const std::string& name) {
  owned("killed").kill(name);
}
void DbPair::start(const std::string& name) {
  owned("restarted").restart(name);
}
void DbPair::pause(const std::string& name) {
  owned("paused").pause(name);
}
void DbPair::resume(const std::string& name) {
  owned("resumed").resume(name);
}

}  // namespace xacoord::test
