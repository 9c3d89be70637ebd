// A Redis of our own (compose/local/broker on a free port under a scratch directory), with
// the faults chaos and the tests inject: SIGKILL and restart, SIGSTOP and SIGCONT. The
// broker's counterpart of LocalPair (local_pair.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace xacoord::harness {

struct LocalBrokerOptions {
  // Append-only file off: only for tests that show a checker catching lost messages.
  bool unsafe_no_aof = false;
};

class LocalBroker {
 public:
  // Starts it; returns when it answers PING with its data loaded. Throws
  // std::runtime_error with the script's log on failure.
  static std::unique_ptr<LocalBroker> start(const std::string& var_dir,
                                            LocalBrokerOptions options = {});
  ~LocalBroker();  // stops it

  std::uint16_t port() const { return port_; }
  std::string url() const;  // redis://127.0.0.1:PORT
  const std::string& var_dir() const { return var_; }
  int pid() const;  // 0 when it is not running

  void kill();     // SIGKILL; returns when the process is gone
  void restart();  // start again with the same data; returns when it answers
  void stop();     // clean shutdown
  void pause();    // SIGSTOP
  void resume();   // SIGCONT

 private:
  LocalBroker() = default;
  int compose(const std::string& args) const;
  void must(const std::string& args) const;

  std::string script_;
  std::string var_;
  std::uint16_t port_ = 0;
  LocalBrokerOptions options_;
};

}  // namespace xacoord::harness
