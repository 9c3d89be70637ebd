// What the etcd tests share: one three-member cluster per test binary (started on first
// use, on free ports under the run's scratch space, stopped at exit), and a way to run a
// test body as a coroutine on an io_context of its own.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "coordinator/store/etcd/etcd_client.h"
#include "tools/harness/etcd_cluster.h"

namespace xacoord::test {

harness::EtcdCluster& etcd_cluster();
// Every member up again. A test that kills one starts it again itself; this also runs
// after every test (a failed one may not have got that far).
void restart_dead_members();

// Runs `body` until it completes (then stops whatever it left running); rethrows what it
// threw. gtest's ASSERT_* cannot be used inside a coroutine: use EXPECT_* or require().
void run_async(std::function<boost::asio::awaitable<void>(boost::asio::io_context&)> body);

inline void require(bool condition, const std::string& what) {
  if (!condition) throw std::runtime_error("requirement failed: " + what);
}

// Fast settings for tests: short attempts so failover shows within a second.
etcd::ClientOptions test_client_options();

}  // namespace xacoord::test
