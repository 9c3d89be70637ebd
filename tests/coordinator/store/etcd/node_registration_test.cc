// One node id, one live owner: registering twice refuses, a released id is free at once,
// and an abandoned one (a crash) is free once its lease has expired.
#include <chrono>

#include <gtest/gtest.h>

#include "coordinator/store/etcd/node_registration.h"
#include "tests/coordinator/store/etcd/etcd_cluster_env.h"
#include "tests/support/test_env.h"

namespace xacoord::etcd {
namespace {

namespace asio = boost::asio;
using test::etcd_cluster;
using test::run_async;

KeyLayout test_layout() {
  return KeyLayout("/test/" + test::unique_name("reg"));
}

TEST(NodeRegistration, TheSameIdTwiceRefusesAndAReleasedIdIsFreeAtOnce) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    Client c(io.get_executor(), parse_endpoints(etcd_cluster().url()), test::test_client_options());
    KeyLayout layout = test_layout();
    RegistrationOptions o;
    o.ttl = std::chrono::seconds(5);
    o.description = "first";
    auto first = co_await NodeRegistration::acquire(c, layout, "n1", o);
    EXPECT_EQ((co_await c.get(first->key())).kvs.at(0).lease, first->lease());

    bool refused = false;
    try {
      co_await NodeRegistration::acquire(c, layout, "n1", o);
    } catch (const NodeOwned& e) {
      refused = true;
      EXPECT_NE(std::string(e.what()).find("first"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(refused);
    auto other = co_await NodeRegistration::acquire(c, layout, "n2", o);  // another id: fine

    co_await first->release();
    EXPECT_TRUE((co_await c.get(layout.node("n1"))).kvs.empty());
    auto second = co_await NodeRegistration::acquire(c, layout, "n1", o);
    EXPECT_GT(second->revision(), first->revision());
    co_await second->release();
    co_await other->release();
  });
}

TEST(NodeRegistration, AnAbandonedIdIsFreeOnceItsLeaseExpiresAndTheLossIsNoticed) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    Client c(io.get_executor(), parse_endpoints(etcd_cluster().url()), test::test_client_options());
    KeyLayout layout = test_layout();
    RegistrationOptions o;
    o.ttl = std::chrono::seconds(2);
    auto crashed = co_await NodeRegistration::acquire(c, layout, "n1", o);
    co_await crashed->abandon();  // keep-alive stops, as in a SIGKILL

    auto started = std::chrono::steady_clock::now();
    o.wait_for_previous = std::chrono::seconds(8);
    auto next = co_await NodeRegistration::acquire(c, layout, "n1", o);
    auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_GE(waited, std::chrono::milliseconds(1000));
    EXPECT_LT(waited, std::chrono::milliseconds(6000));

    // A registration whose lease is revoked behind its back learns it from the keep-alive.
    bool told = false;
    next->on_lost([&] { told = true; });
    co_await c.lease_revoke(next->lease());
    for (int i = 0; i < 40 && !next->lost(); ++i) {
      asio::steady_timer t(io, std::chrono::milliseconds(100));
      co_await t.async_wait(asio::use_awaitable);
    }
    EXPECT_TRUE(next->lost());
    EXPECT_TRUE(told);
    co_await next->release();
  });
}

TEST(NodeRegistration, ADeadPredecessorCanBeEvictedWithoutWaitingAndIsFencedOff) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    Client c(io.get_executor(), parse_endpoints(etcd_cluster().url()), test::test_client_options());
    KeyLayout layout = test_layout();
    RegistrationOptions o;
    o.ttl = std::chrono::seconds(10);
    auto crashed = co_await NodeRegistration::acquire(c, layout, "n1", o);
    co_await crashed->abandon();

    auto started = std::chrono::steady_clock::now();
    o.evict_previous = true;
    auto next = co_await NodeRegistration::acquire(c, layout, "n1", o);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    EXPECT_EQ(co_await c.lease_time_to_live(crashed->lease()), -1);
    // The predecessor's fencing compare fails from now on.
    TxnRequest t;
    t.compare.push_back(crashed->owned());
    t.success.push_back(put(layout.root() + "/x", "late"));
    TxnResult r = co_await c.txn(t);
    EXPECT_FALSE(r.succeeded);
    t.compare[0] = next->owned();
    r = co_await c.txn(t);
    EXPECT_TRUE(r.succeeded);
    co_await c.remove(del(layout.root() + "/x"));
    co_await next->release();
  });
}

}  // namespace
}  // namespace xacoord::etcd
