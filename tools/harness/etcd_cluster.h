// A three-member etcd cluster of our own (compose/local/etcd on free ports under a
// scratch directory), for tests, chaos and the store benchmark, with the faults they
// inject: SIGKILL one member, start it again, stop it cleanly.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

namespace xacoord::harness {

class EtcdCluster {
 public:
  // Starts all three members on free ports; returns when they agree on a leader. Throws
  // std::runtime_error with the script's log on failure.
  static std::unique_ptr<EtcdCluster> start(const std::string& var_dir);
  ~EtcdCluster();  // stops all three

  // Members are numbered 1, 2, 3, as compose/local/etcd numbers them.
  std::uint16_t client_port(int member) const;
  // "127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3", and the same as "etcd://..." (the form of
  // `serve --decision-store`).
  std::string endpoints() const;
  std::string url() const { return "etcd://" + endpoints(); }
  const std::string& var_dir() const { return var_; }

  void kill(int member);      // SIGKILL; returns once the process is gone
  void start(int member);     // start again; returns when it answers with a leader
  void stop(int member);      // SIGTERM, waits
  int pid(int member) const;  // 0 if it is not running

 private:
  EtcdCluster() = default;
  int compose(const std::string& args) const;
  void check(int member) const;

  std::string script_;
  std::string var_;
  std::array<std::uint16_t, 3> ports_{};
};

}  // namespace xacoord::harness
