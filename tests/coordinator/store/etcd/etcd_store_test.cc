// The etcd DecisionStore against a real three-member cluster: put-if-absent, fencing by
// the registration, batching, a member SIGKILLed mid-load, lost answers settled, and
// load() after a restart.
#include <signal.h>

#include <chrono>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <gtest/gtest.h>

#include "coordinator/client/http_client.h"
#include "coordinator/store/etcd/etcd_decision_store.h"
#include "coordinator/store/etcd/etcd_json.h"
#include "tests/coordinator/store/etcd/etcd_cluster_env.h"
#include "tests/support/test_env.h"

namespace xacoord::etcd {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using test::etcd_cluster;
using test::require;
using test::run_async;

CommitDecision decision(const std::string& txn_id) {
  return CommitDecision{txn_id,
                        1'700'000'000'000,
                        {{"orders", Xid{1, "xacoord:" + txn_id, "orders"}},
                         {"payments", Xid{1, "xacoord:" + txn_id, "payments"}}}};
}

// A node of its own (a fresh key root per test), its registration and its store.
struct Node {
  std::unique_ptr<Client> client;
  std::unique_ptr<NodeRegistration> registration;
  std::unique_ptr<EtcdDecisionStore> store;
};

// (No default arguments: GCC 12 mishandles them in coroutines.)
asio::awaitable<Node> open_node(asio::io_context& io, KeyLayout layout, std::string id,
                                EtcdStoreOptions options) {
  Node n;
  n.client = std::make_unique<Client>(io.get_executor(), parse_endpoints(etcd_cluster().url()),
                                      test::test_client_options());
  RegistrationOptions r;
  r.ttl = std::chrono::seconds(5);
  n.registration = co_await NodeRegistration::acquire(*n.client, layout, id, r);
  n.store = co_await EtcdDecisionStore::open(*n.client, *n.registration, options);
  co_return n;
}

asio::awaitable<void> close_node(Node& n) {
  co_await n.store->close();
  co_await n.registration->release();
}

KeyLayout fresh_layout() {
  return KeyLayout("/test/" + test::unique_name("store"));
}

// Blocking calls on one member, from inside a fault hook (which cannot await).
HttpReply post(int member, const std::string& path, const std::string& body) {
  HttpClient http("127.0.0.1", etcd_cluster().client_port(member), std::chrono::seconds(5));
  return http.request("POST", path, body, {{"Content-Type", "application/json"}});
}

// Runs `count` record_commit calls at once; returns how many answered true, false, or threw.
struct Tally {
  int yes = 0, no = 0, threw = 0;
};
asio::awaitable<Tally> decide_concurrently(asio::io_context& io, EtcdDecisionStore& store,
                                           const std::string& prefix, int count) {
  Tally tally;
  int left = count;
  Signal all_done(io.get_executor());
  for (int i = 0; i < count; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          try {
            (co_await store.record_commit(decision(prefix + std::to_string(i))) ? tally.yes
                                                                                : tally.no)++;
          } catch (const std::exception&) {
            ++tally.threw;
          }
          if (--left == 0) all_done.notify();
        },
        asio::detached);
  }
  co_await all_done.wait();
  co_return tally;
}

TEST(EtcdStore, RecordCommitIsPutIfAbsentAndLoadReadsWhatIsOpen) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    KeyLayout layout = fresh_layout();
    Node n = co_await open_node(io, layout, "n1", {});
    EXPECT_EQ(n.store->epoch(), 1u);
    EXPECT_EQ(n.store->kind(), "etcd");

    EXPECT_TRUE(co_await n.store->record_commit(decision("n1-1-1")));
    EXPECT_TRUE(co_await n.store->record_commit(decision("n1-1-1")));  // recorded already
    KeyValue kv = (co_await n.client->get(layout.decision("n1", "n1-1-1"))).kvs.at(0);
    EXPECT_EQ(decode_stored(kv.value), StoredDecision{decision("n1-1-1")});
    EXPECT_EQ(kv.version, 1);  // written once

    // Marked aborted: it can never commit afterwards; a decided one cannot be marked.
    EXPECT_TRUE(co_await n.store->abort_if_undecided("n1-1-2"));
    EXPECT_FALSE(co_await n.store->record_commit(decision("n1-1-2")));
    EXPECT_FALSE(co_await n.store->abort_if_undecided("n1-1-1"));

    // Operator decisions: a forced rollback of an undecided one, a forced commit of an
    // aborted one (refused), a forced rollback of a committed one (refused).
    // (Records are named first: GCC 12 mishandles temporaries with members built from
    // other temporaries inside a co_await expression.)
    HeuristicRecord rollback{"n1-1-3", false, 5, "operator", decision("n1-1-3").branches};
    HeuristicRecord commit_aborted{"n1-1-2", true, 5, "operator", decision("n1-1-2").branches};
    HeuristicRecord rollback_committed{"n1-1-1", false, 5, "operator", decision("n1-1-1").branches};
    bool forced = co_await n.store->record_heuristic(rollback);
    EXPECT_TRUE(forced);
    forced = co_await n.store->record_heuristic(rollback);  // the same again
    EXPECT_TRUE(forced);
    forced = co_await n.store->record_heuristic(commit_aborted);
    EXPECT_FALSE(forced);
    forced = co_await n.store->record_heuristic(rollback_committed);
    EXPECT_FALSE(forced);

    DecisionState state = co_await n.store->load();
    EXPECT_EQ(state.epoch(), 1u);
    EXPECT_EQ(state.open().size(), 1u);
    EXPECT_TRUE(state.must_commit("n1-1-1"));
    EXPECT_EQ(state.heuristics().size(), 1u);
    EXPECT_TRUE(state.heuristics().contains("n1-1-3"));

    n.store->record_finished("n1-1-1");
    n.store->record_finished("n1-1-3");
    co_await n.store->close();
    EXPECT_EQ(n.store->stats().finished_deleted, 2u);
    EXPECT_TRUE((co_await n.client->get(layout.decision("n1", "n1-1-1"))).kvs.empty());
    co_await n.registration->release();
  });
}

TEST(EtcdStore, NothingIsWrittenOnceTheRegistrationIsGone) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    KeyLayout layout = fresh_layout();
    Node n = co_await open_node(io, layout, "n1", {});
    EXPECT_TRUE(co_await n.store->record_commit(decision("n1-1-1")));
    // What expiry does, at once: the lease goes and the registration key with it.
    co_await n.client->lease_revoke(n.registration->lease());
    EXPECT_FALSE(co_await n.store->record_commit(decision("n1-1-2")));
    HeuristicRecord force{"n1-1-3", true, 5, "operator", decision("n1-1-3").branches};
    bool forced = co_await n.store->record_heuristic(force);
    EXPECT_FALSE(forced);
    EXPECT_TRUE((co_await n.client->get(layout.decision("n1", "n1-1-2"))).kvs.empty());
    EXPECT_TRUE((co_await n.client->get(layout.decision("n1", "n1-1-3"))).kvs.empty());
    // Even a new registration of the same id does not let the old one's writes through.
    RegistrationOptions r;
    auto successor = co_await NodeRegistration::acquire(*n.client, layout, "n1", r);
    EXPECT_FALSE(co_await n.store->record_commit(decision("n1-1-4")));
    EXPECT_TRUE((co_await n.client->get(layout.decision("n1", "n1-1-4"))).kvs.empty());
    EXPECT_EQ(n.store->stats().refused, 2u);
    co_await n.store->close();
    co_await successor->release();
  });
}

TEST(EtcdStore, ConcurrentDecisionsShareTransactions) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    Node n = co_await open_node(io, fresh_layout(), "n1", {});
    Tally t = co_await decide_concurrently(io, *n.store, "n1-1-", 64);
    EXPECT_EQ(t.yes, 64);
    const auto& s = n.store->stats();
    // One transaction out at a time: the first takes what is queued when it starts, the
    // next everything that queued meanwhile.
    EXPECT_LE(s.batches, 8u);
    EXPECT_GE(s.largest_batch, 16u);
    EXPECT_EQ(s.batched, 64u);
    DecisionState state = co_await n.store->load();
    EXPECT_EQ(state.open().size(), 64u);
    co_await close_node(n);
  });
}

TEST(EtcdStore, AnAnswerLostAfterTheWriteIsSettledAsCommitted) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    KeyLayout layout = fresh_layout();
    Node n = co_await open_node(io, layout, "n1", {});
    bool armed = true;
    n.client->set_fault_hook([&](const FaultPoint& f) {
      if (!armed || f.stage != FaultStage::kAfterSend || f.path != "/v3/kv/txn") {
        return FaultAction::kNone;
      }
      armed = false;
      return FaultAction::kLoseAnswer;
    });
    EXPECT_TRUE(co_await n.store->record_commit(decision("n1-1-1")));
    EXPECT_EQ(n.store->stats().ambiguous, 1u);
    EXPECT_EQ(n.store->stats().settled_committed, 1u);
    EXPECT_EQ((co_await n.client->get(layout.decision("n1", "n1-1-1"))).kvs.at(0).version, 1);
    co_await close_node(n);
  });
}

TEST(EtcdStore, ALostRequestIsResentAndALateCopyCannotLandAgain) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    KeyLayout layout = fresh_layout();
    Node n = co_await open_node(io, layout, "n1", {});
    std::string lost_body;
    n.client->set_fault_hook([&](const FaultPoint& f) {
      if (!lost_body.empty() || f.stage != FaultStage::kBeforeSend || f.path != "/v3/kv/txn") {
        return FaultAction::kNone;
      }
      lost_body = std::string(f.body);
      return FaultAction::kLoseRequest;
    });
    EXPECT_TRUE(co_await n.store->record_commit(decision("n1-1-1")));
    EXPECT_EQ(n.store->stats().settled_committed, 1u);
    KeyValue before = (co_await n.client->get(layout.decision("n1", "n1-1-1"))).kvs.at(0);

    // The lost request reaches etcd after all, late: it must not apply.
    require(!lost_body.empty(), "the hook caught the request");
    HttpReply late = post(1, "/v3/kv/txn", lost_body);
    EXPECT_EQ(late.status, 200) << late.body;
    EXPECT_FALSE(parse_txn(late.json()).succeeded);
    KeyValue after = (co_await n.client->get(layout.decision("n1", "n1-1-1"))).kvs.at(0);
    EXPECT_EQ(after.mod_revision, before.mod_revision);

    // And a transaction marked aborted: its lost commit, arriving late, cannot land.
    require(co_await n.store->abort_if_undecided("n1-1-2"), "marked");
    TxnRequest late_commit;
    late_commit.compare.push_back(n.registration->owned());
    late_commit.compare.push_back(Compare::absent(layout.decision("n1", "n1-1-2")));
    late_commit.success.push_back(
        put(layout.decision("n1", "n1-1-2"), encode_stored(decision("n1-1-2"))));
    EXPECT_FALSE(parse_txn(post(2, "/v3/kv/txn", encode_txn(late_commit)).json()).succeeded);
    EXPECT_FALSE(co_await n.store->record_commit(decision("n1-1-2")));
    co_await close_node(n);
  });
}

TEST(EtcdStore, AnAnswerLostWhenTheRegistrationIsGoneIsUnsettled) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    KeyLayout layout = fresh_layout();
    Node n = co_await open_node(io, layout, "n1", {});
    bool armed = true;
    std::int64_t lease = n.registration->lease();
    n.client->set_fault_hook([&](const FaultPoint& f) {
      if (!armed || f.stage != FaultStage::kBeforeSend || f.path != "/v3/kv/txn") {
        return FaultAction::kNone;
      }
      armed = false;
      // The lease expires while the write is in flight, and the write is lost: absent
      // afterwards proves nothing (a takeover may have committed and finished it).
      post(1, "/v3/lease/revoke", encode_lease_id(lease));
      return FaultAction::kLoseRequest;
    });
    bool unsettled = false;
    try {
      co_await n.store->record_commit(decision("n1-1-1"));
    } catch (const DecisionUnsettled& e) {
      unsettled = true;
      EXPECT_NE(std::string(e.what()).find("takeover"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(unsettled);
    EXPECT_EQ(n.store->stats().unsettled, 1u);
    co_await n.store->close();
  });
}

TEST(EtcdStore, AMemberKilledBetweenSendAndAnswerFailsNoDecision) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    KeyLayout layout = fresh_layout();
    Node n = co_await open_node(io, layout, "n1", {});
    int killed = 0;
    n.client->set_fault_hook([&](const FaultPoint& f) {
      if (killed == 0 && f.stage == FaultStage::kAfterSend && f.path == "/v3/kv/txn") {
        killed = static_cast<int>(f.member) + 1;
        // SIGKILL at once (the raft round and fsync behind the answer take milliseconds;
        // the script would take longer), then let the script wait for the exit.
        ::kill(etcd_cluster().pid(killed), SIGKILL);
        etcd_cluster().kill(killed);
        // On an idle machine the member may have answered before the signal landed: the
        // answer is then dropped, so the store meets the ambiguity either way.
        return FaultAction::kLoseAnswer;
      }
      return FaultAction::kNone;
    });
    EXPECT_TRUE(co_await n.store->record_commit(decision("n1-1-1")));
    EXPECT_NE(killed, 0);
    EXPECT_EQ(n.store->stats().ambiguous, 1u);
    KeyValue kv = (co_await n.client->get(layout.decision("n1", "n1-1-1"))).kvs.at(0);
    EXPECT_EQ(decode_stored(kv.value), StoredDecision{decision("n1-1-1")});
    etcd_cluster().start(killed);
    co_await close_node(n);
  });
}

TEST(EtcdStore, TheMemberInUseKilledMidLoadFailsAndLosesNoDecision) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    KeyLayout layout = fresh_layout();
    Node n = co_await open_node(io, layout, "n1", {});
    int yes = 0, no = 0, threw = 0, running = 8;
    std::set<std::string> acknowledged;
    auto stop_at = Clock::now() + std::chrono::milliseconds(3000);
    Signal all_done(io.get_executor());
    for (int d = 0; d < 8; ++d) {
      asio::co_spawn(
          io,
          [&, d]() -> asio::awaitable<void> {
            for (int i = 0; Clock::now() < stop_at; ++i) {
              std::string id = "n1-1-" + std::to_string(d * 1'000'000 + i);
              try {
                if (co_await n.store->record_commit(decision(id))) {
                  ++yes;
                  acknowledged.insert(id);
                } else {
                  ++no;
                }
              } catch (const std::exception&) {
                ++threw;
              }
            }
            if (--running == 0) all_done.notify();
          },
          asio::detached);
    }
    asio::steady_timer t(io, std::chrono::milliseconds(1000));
    co_await t.async_wait(asio::use_awaitable);
    // SIGKILL at once, with decisions in flight on it (the script alone is slower).
    const int victim = static_cast<int>(n.client->preferred()) + 1;
    ::kill(etcd_cluster().pid(victim), SIGKILL);
    etcd_cluster().kill(victim);
    co_await all_done.wait();

    EXPECT_GT(yes, 100);
    EXPECT_EQ(no, 0);
    EXPECT_EQ(threw, 0);
    // Every acknowledged decision is in etcd, read back through the survivors.
    DecisionState state = co_await n.store->load();
    std::size_t found = 0;
    for (const auto& id : acknowledged)
      found += state.must_commit(id) ? 1 : 0;
    EXPECT_EQ(found, acknowledged.size());
    EXPECT_EQ(state.open().size(), acknowledged.size());
    std::printf(
        "mid-load kill of member %d: %d decisions, %llu batches, %llu ambiguous, "
        "%llu failovers\n",
        victim, yes, static_cast<unsigned long long>(n.store->stats().batches),
        static_cast<unsigned long long>(n.store->stats().ambiguous),
        static_cast<unsigned long long>(n.client->stats().failovers));
    etcd_cluster().start(victim);
    co_await close_node(n);
  });
}

TEST(EtcdStore, LoadAfterARestartGivesTheOpenDecisionsAndANewEpoch) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    KeyLayout layout = fresh_layout();
    std::map<std::string, CommitDecision> open;
    {
      Node first = co_await open_node(io, layout, "n1", {});
      for (int i = 1; i <= 5; ++i) {
        auto d = decision("n1-1-" + std::to_string(i));
        require(co_await first.store->record_commit(d), "recorded");
        open[d.txn_id] = d;
      }
      first.store->record_finished("n1-1-2");
      first.store->record_finished("n1-1-4");
      open.erase("n1-1-2");
      open.erase("n1-1-4");
      require(co_await first.store->abort_if_undecided("n1-1-6"), "marked");
      co_await first.store->close();
      co_await first.registration->release();
    }
    Node second = co_await open_node(io, layout, "n1", {});
    EXPECT_EQ(second.store->epoch(), 2u);
    DecisionState state = co_await second.store->load();
    EXPECT_EQ(state.epoch(), 2u);
    EXPECT_EQ(state.open(), open);
    // The first run's marker has done its work (its registration is gone): cleared.
    EXPECT_EQ(second.store->stats().markers_cleared, 1u);
    EXPECT_TRUE((co_await second.client->get(layout.decision("n1", "n1-1-6"))).kvs.empty());
    co_await close_node(second);
  });
}

TEST(EtcdStore, FinishedDeletesAreBoundedAndBatched) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    EtcdStoreOptions o;
    o.finished_queue_limit = 3;
    KeyLayout layout = fresh_layout();
    Node n = co_await open_node(io, layout, "n1", o);
    for (int i = 0; i < 5; ++i) {
      bool recorded = co_await n.store->record_commit(decision("n1-1-" + std::to_string(i)));
      require(recorded, "recorded");
    }
    for (int i = 0; i < 5; ++i)
      n.store->record_finished("n1-1-" + std::to_string(i));  // no wait in between
    EXPECT_EQ(n.store->stats().finished_dropped, 2u);
    co_await n.store->close();
    EXPECT_EQ(n.store->stats().finished_deleted, 3u);
    // The dropped ones stay open: replayed once more by recovery, which is harmless.
    DecisionState state = co_await n.store->load();
    EXPECT_EQ(state.open().size(), 2u);
    co_await n.registration->release();
  });
}

TEST(EtcdStore, LoadPagesThroughManyDecisions) {
  run_async([&](asio::io_context& io) -> asio::awaitable<void> {
    EtcdStoreOptions o;
    o.load_page = 7;
    Node n = co_await open_node(io, fresh_layout(), "n1", o);
    Tally t = co_await decide_concurrently(io, *n.store, "n1-1-", 50);
    require(t.yes == 50, "all recorded");
    EXPECT_EQ((co_await n.store->load()).open().size(), 50u);
    co_await close_node(n);
  });
}

}  // namespace
}  // namespace xacoord::etcd
