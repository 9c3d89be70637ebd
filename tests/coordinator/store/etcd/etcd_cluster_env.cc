#include "tests/coordinator/store/etcd/etcd_cluster_env.h"

#include <exception>
#include <memory>

#include <boost/asio/co_spawn.hpp>
#include <gtest/gtest.h>

#include "tests/support/test_env.h"

namespace xacoord::test {

namespace {

std::unique_ptr<harness::EtcdCluster>& shared_cluster() {
  static std::unique_ptr<harness::EtcdCluster> cluster;
  return cluster;
}

// After every test, the members a failed test left dead are started again: the next
// test must not inherit a cluster without quorum.
class RestartDeadMembers : public ::testing::EmptyTestEventListener {
  void OnTestEnd(const ::testing::TestInfo&) override {
    if (shared_cluster()) restart_dead_members();
  }
};
[[maybe_unused]] const bool registered = [] {
  ::testing::UnitTest::GetInstance()->listeners().Append(new RestartDeadMembers);
  return true;
}();

}  // namespace

harness::EtcdCluster& etcd_cluster() {
  auto& cluster = shared_cluster();
  if (!cluster) cluster = harness::EtcdCluster::start(scratch_dir("etcd"));
  return *cluster;
}

void restart_dead_members() {
  for (int m = 1; m <= 3; ++m) {
    if (etcd_cluster().pid(m) == 0) etcd_cluster().start(m);
  }
}

void run_async(std::function<boost::asio::awaitable<void>(boost::asio::io_context&)> body) {
  boost::asio::io_context io;
  std::exception_ptr error;
  boost::asio::co_spawn(io, body(io), [&](std::exception_ptr e) {
    error = e;
    io.stop();  // background loops the body left behind (a keep-alive) end with the context
  });
  io.run();
  if (error) std::rethrow_exception(error);
}

etcd::ClientOptions test_client_options() {
  etcd::ClientOptions o;
  o.call_timeout = std::chrono::milliseconds(8000);
  o.attempt_timeout = std::chrono::milliseconds(1000);
  o.connect_timeout = std::chrono::milliseconds(300);
  return o;
}

}  // namespace xacoord::test
