// The MariaDB pair a test talks to: the suite's shared pair (scripts/run-tests exports
// XA_TEST_ORDERS_PORT/XA_TEST_PAYMENTS_PORT), or a private pair this test starts with
// compose/local/db on free ports — needed by tests that kill or pause a server.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "participants/connection.h"
#include "tools/harness/local_pair.h"

namespace xacoord::test {

class DbPair {
 public:
  // The shared pair; the test is skipped (GTEST_SKIP in the caller) when none is set up.
  static std::unique_ptr<DbPair> shared();
  // A private pair on free ports under a scratch directory; stopped in the destructor.
  static std::unique_ptr<DbPair> start_private();
  ~DbPair();

  std::string orders_url() const;
  std::string payments_url() const;
  std::uint16_t orders_port() const { return orders_port_; }
  std::uint16_t payments_port() const { return payments_port_; }
  const std::string& var_dir() const { return var_; }

  // A fresh session (autocommit) on "orders" or "payments".
  std::unique_ptr<db::Connection> connect(const std::string& name) const;

  // Fault injection, private pairs only.
  void kill(const std::string& name);    // SIGKILL the server
  void start(const std::string& name);   // start it again; returns when it answers
  void pause(const std::string& name);   // SIGSTOP
  void resume(const std::string& name);  // SIGCONT
  int pid(const std::string& name) const;

 private:
  DbPair() = default;
  harness::LocalPair& owned(const char* what);

  std::unique_ptr<harness::LocalPair> private_;  // null for the shared pair
  std::string var_;
  std::uint16_t orders_port_ = 0;
  std::uint16_t payments_port_ = 0;
};

// True when the suite's shared pair is available (make test sets it up).
bool have_shared_pair();

}  // namespace xacoord::test
