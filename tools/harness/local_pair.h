// A MariaDB pair of our own (compose/local/db on free ports under a scratch directory),
// with the faults chaos injects: SIGKILL and restart, SIGSTOP and SIGCONT.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "participants/connection.h"

namespace xacoord::harness {

// The repository's compose/local/db: next to the running binary's source tree
// (build/bin/xacoord -> ../../compose/local/db), or $XACOORD_SOURCE_DIR.
std::string find_compose_script();
// The running program (/proc/self/exe).
std::string self_executable();
std::uint16_t free_port();

class LocalPair {
 public:
  // Starts both servers; throws std::runtime_error with the script's log on failure.
  static std::unique_ptr<LocalPair> start(const std::string& var_dir);
  ~LocalPair();  // stops both

  std::string url(const std::string& name) const;  // "orders" or "payments"
  std::uint16_t port(const std::string& name) const;
  std::unique_ptr<db::Connection> connect(const std::string& name) const;
  const std::string& var_dir() const { return var_; }

  void kill(const std::string& name);     // SIGKILL
  void restart(const std::string& name);  // start again; returns when it answers
  void pause(const std::string& name);    // SIGSTOP
  void resume(const std::string& name);   // SIGCONT
  int pid(const std::string& name) const;

 private:
  LocalPair() = default;
  int compose(const std::string& args) const;

  std::string script_;
  std::string var_;
  std::uint16_t orders_port_ = 0;
  std::uint16_t payments_port_ = 0;
};

}  // namespace xacoord::harness
