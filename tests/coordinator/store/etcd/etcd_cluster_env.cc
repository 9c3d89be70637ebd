#include "tests/coordinator/store/etcd/etcd_cluster_env.h"

#include <exception>
#include <memory>

#include <boost/asio/co_spawn.hpp>

#include "tests/support/test_env.h"

namespace xacoord::test {

harness::EtcdCluster& etcd_cluster() {
  static std::unique_ptr<harness::EtcdCluster> cluster =
      harness::EtcdCluster::start(scratch_dir("etcd"));
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
