// The etcd client against a real three-member cluster: the v3 calls through the JSON
// gateway, pooled connections, failover when the member in use is SIGKILLed, and lost
// answers of writes surfacing as ambiguous.
#include <algorithm>
#include <chrono>
#include <cstdlib>

#include <gtest/gtest.h>

#include "tests/coordinator/store/etcd/etcd_cluster_env.h"
#include "tests/support/test_env.h"

namespace xacoord::etcd {
namespace {

namespace asio = boost::asio;
using test::etcd_cluster;
using test::require;
using test::run_async;

std::vector<Endpoint> members() {
  return parse_endpoints(etcd_cluster().url());
}

TEST(EtcdClient, PutGetPrefixDeleteAndConditionalTransactions) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    Client c(io.get_executor(), members(), test::test_client_options());
    const std::string p = "/test/" + test::unique_name("kv") + "/";
    const std::string binary("\0\xff\x01", 3);
    co_await c.put(put(p + "a", "1"));
    co_await c.put(put(p + "b", binary));

    RangeResult a = co_await c.get(p + "a");
    require(a.kvs.size() == 1, "one key read");
    EXPECT_EQ(a.kvs[0].value, "1");
    EXPECT_EQ(a.kvs[0].version, 1);
    RangeResult all = co_await c.get_prefix(p);
    require(all.kvs.size() == 2, "two keys under the prefix");
    EXPECT_EQ(all.kvs[1].value, binary);
    EXPECT_EQ(all.count, 2);

    // Put-if-absent on an existing key fails, and the failure branch reads it.
    TxnRequest again;
    again.compare.push_back(Compare::absent(p + "a"));
    again.success.push_back(put(p + "a", "2"));
    again.failure.push_back(get(p + "a"));
    TxnResult r = co_await c.txn(again);
    EXPECT_FALSE(r.succeeded);
    require(r.responses.size() == 1, "the failure branch answered");
    EXPECT_EQ(std::get<RangeResult>(r.responses[0]).kvs.at(0).value, "1");

    // On an absent key it succeeds, and the key's create revision is the txn's revision.
    TxnRequest fresh = again;
    fresh.compare[0] = Compare::absent(p + "c");
    fresh.success[0] = put(p + "c", "3");
    TxnResult created = co_await c.txn(fresh);
    EXPECT_TRUE(created.succeeded);
    EXPECT_EQ((co_await c.get(p + "c")).kvs.at(0).create_revision, created.revision);

    // A compare on the create revision fences: a key deleted and created again is not
    // the same key.
    co_await c.remove(del(p + "c"));
    co_await c.put(put(p + "c", "3"));
    TxnRequest fenced;
    fenced.compare.push_back(Compare::created_at(p + "c", created.revision));
    fenced.success.push_back(put(p + "a", "fenced"));
    EXPECT_FALSE((co_await c.txn(fenced)).succeeded);
    EXPECT_EQ((co_await c.get(p + "a")).kvs.at(0).value, "1");

    DeleteResult d = co_await c.remove(del_prefix(p));
    EXPECT_EQ(d.deleted, 3);
    EXPECT_TRUE((co_await c.get_prefix(p)).kvs.empty());
  });
}

TEST(EtcdClient, LeaseKeepsItsKeyAndRevokingItDeletesTheKey) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    Client c(io.get_executor(), members(), test::test_client_options());
    const std::string key = "/test/" + test::unique_name("lease");
    LeaseGrant lease = co_await c.lease_grant(5);
    EXPECT_GE(lease.ttl, 5);
    co_await c.put(put(key, "owned", lease.id));
    EXPECT_EQ((co_await c.get(key)).kvs.at(0).lease, lease.id);
    EXPECT_GT(co_await c.lease_keep_alive(lease.id), 0);
    EXPECT_GT(co_await c.lease_time_to_live(lease.id), 0);

    // The compare on the lease-owned key's existence fails once the lease is revoked.
    TxnRequest t;
    t.compare.push_back(Compare::lease_is(key, lease.id));
    t.success.push_back(put(key + "/w", "x"));
    EXPECT_TRUE((co_await c.txn(t)).succeeded);
    co_await c.lease_revoke(lease.id);
    EXPECT_TRUE((co_await c.get(key)).kvs.empty());
    EXPECT_FALSE((co_await c.txn(t)).succeeded);
    EXPECT_EQ(co_await c.lease_keep_alive(lease.id), 0);
    EXPECT_EQ(co_await c.lease_time_to_live(lease.id), -1);
    co_await c.lease_revoke(lease.id);  // gone already: not an error
    co_await c.remove(del(key + "/w"));
  });
}

TEST(EtcdClient, ACallCostsOneRoundTripOnAPooledConnection) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    Client c(io.get_executor(), members(), test::test_client_options());
    for (int i = 0; i < 50; ++i)
      co_await c.get("/test/pool");
    EXPECT_EQ(c.stats().connects, 1u);
    EXPECT_EQ(c.stats().reused, 49u);
    EXPECT_EQ(c.stats().attempts, 50u);
  });
}

// The member in use is a follower here, so no election runs and no write can be in
// doubt; a leader killed under load is the store's test (etcd_store_test.cc).
TEST(EtcdClient, FailsOverWhenTheFollowerInUseIsKilled) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    std::vector<Endpoint> all = members();
    int victim = 0;
    {
      Client probe(io.get_executor(), all, test::test_client_options());
      MemberStatus s0 = co_await probe.status(0);
      victim = s0.leader == s0.member_id ? 2 : 1;
    }
    // The client starts with the first endpoint it is given: the victim.
    std::rotate(all.begin(), all.begin() + (victim - 1), all.end());
    Client c(io.get_executor(), all, test::test_client_options());
    const std::string key = "/test/" + test::unique_name("failover");
    co_await c.put(put(key, "0"));
    require(c.preferred() == 0, "the victim is in use");
    etcd_cluster().kill(victim);
    // Reads and writes go on through the two others; the write is not ambiguous, since
    // the dead member's pooled connection is noticed before anything is sent on it.
    for (int i = 1; i <= 20; ++i) {
      co_await c.put(put(key, std::to_string(i)));
      EXPECT_EQ((co_await c.get(key)).kvs.at(0).value, std::to_string(i));
    }
    EXPECT_NE(c.preferred(), 0u);
    EXPECT_GE(c.stats().failovers, 1u);
    EXPECT_EQ(c.stats().ambiguous, 0u);
    etcd_cluster().start(victim);
    co_await c.remove(del(key));
  });
}

TEST(EtcdClient, AWriteWhoseAnswerIsLostIsAmbiguousAReadIsRetried) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    Client c(io.get_executor(), members(), test::test_client_options());
    const std::string key = "/test/" + test::unique_name("lost");
    FaultAction action = FaultAction::kNone;
    c.set_fault_hook([&](const FaultPoint& f) {
      FaultAction a = FaultAction::kNone;
      if (f.stage == FaultStage::kAfterSend && action == FaultAction::kLoseAnswer) a = action;
      if (f.stage == FaultStage::kBeforeSend && action == FaultAction::kLoseRequest) a = action;
      if (a != FaultAction::kNone) action = FaultAction::kNone;  // once
      return a;
    });

    action = FaultAction::kLoseAnswer;  // applied, answer lost
    try {
      co_await c.put(put(key, "applied"));
      ADD_FAILURE() << "a lost answer must not look like success";
    } catch (const EtcdError& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kAmbiguous) << e.what();
    }
    EXPECT_EQ((co_await c.get(key)).kvs.at(0).value, "applied");

    action = FaultAction::kLoseRequest;  // never sent, looks the same to the caller
    try {
      co_await c.put(put(key, "never"));
      ADD_FAILURE() << "a lost request must not look like success";
    } catch (const EtcdError& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kAmbiguous) << e.what();
    }
    EXPECT_EQ((co_await c.get(key)).kvs.at(0).value, "applied");

    action = FaultAction::kLoseAnswer;  // a read is simply asked again
    EXPECT_EQ((co_await c.get(key)).kvs.at(0).value, "applied");
    EXPECT_EQ(c.stats().ambiguous, 2u);
    co_await c.remove(del(key));
  });
}

TEST(EtcdClient, NoMemberReachableIsUnavailableByTheDeadline) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    std::vector<Endpoint> nobody{{"127.0.0.1", test::free_port()},
                                 {"127.0.0.1", test::free_port()}};
    Client c(io.get_executor(), nobody, test::test_client_options());
    auto started = std::chrono::steady_clock::now();
    try {
      co_await c.put(put("/test/x", "y"), Client::after(std::chrono::milliseconds(700)));
      ADD_FAILURE() << "nobody answered";
    } catch (const EtcdError& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUnavailable) << e.what();
    }
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_GE(took, std::chrono::milliseconds(650));
    EXPECT_LT(took, std::chrono::milliseconds(1500));
  });
}

}  // namespace
}  // namespace xacoord::etcd
