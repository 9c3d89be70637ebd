// Several coordinators on one etcd (issue 18, contract §9), against the real thing: the
// suite's MariaDB pair, a three-member etcd cluster this binary starts on free ports, and
// `xacoord serve --decision-store etcd://...` processes with distinct node ids.
//
//  - a decision lives in etcd, not on the coordinator's disk;
//  - pay and cancel of the same orders on two coordinators end as one serial outcome;
//  - a coordinator SIGKILLed at after_decision_logged / after_prepare_all is resolved by
//    the other within --takeover-after + 5 s (commit / roll back);
//  - the same node id twice refuses; a node cut off from etcd decides nothing;
//  - one etcd member SIGKILLed under load fails no pay.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <pthread.h>

#include <csignal>
#include <mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/coordinator/recovery/recovery_fixture.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"
#include "tools/harness/etcd_cluster.h"
#include "tools/harness/packet_filter.h"

namespace xacoord::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

// Small, so a takeover shows within seconds (etcd's minimum lease is 1.5 election
// timeouts, raised to 2 s).
constexpr int kTakeoverAfterSeconds = 2;

harness::EtcdCluster& cluster() {
  static std::unique_ptr<harness::EtcdCluster> shared =
      harness::EtcdCluster::start(scratch_dir("takeover-etcd"));
  return *shared;
}

// Killing an etcd member ends a child of this process: its SIGCHLD must not interrupt a
// client thread's blocking call (EINTR), which would look like a failed pay.
void block_child_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

class TakeoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = DbPair::shared();
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
    for (int m = 1; m <= 3; ++m) {
      if (cluster().pid(m) == 0) cluster().start(m);
    }
  }

  // `takeover_after` in seconds: small where a takeover is the point; the default 10 s
  // elsewhere, so that a loaded machine's late lease renewal (the node stops deciding after
  // half the TTL without one) does not turn pays into 503s.
  CoordinatorOptions options_for(const std::string& node, const std::string& crash_at = "",
                                 int takeover_after = kTakeoverAfterSeconds) {
    CoordinatorOptions o = CoordinatorOptions::for_pair(*pair_);
    o.node_id = node;
    o.crash_at = crash_at;
    o.extra_args = quick_recovery_flags();
    for (const char* a : {"--decision-store", ""})
      o.extra_args.push_back(a);
    o.extra_args.back() = cluster().url();
    o.extra_args.push_back("--takeover-after");
    o.extra_args.push_back(std::to_string(takeover_after) + "s");
    return o;
  }
  // Started, not waited for; stopped cleanly at the end of the test (a SIGKILL would
  // leave a dead node for the next test's coordinators to take over).
  CoordinatorProcess* launch(const std::string& node, const std::string& crash_at = "",
                             int takeover_after = kTakeoverAfterSeconds) {
    started_.push_back(CoordinatorProcess::start(options_for(node, crash_at, takeover_after)));
    return started_.back().get();
  }
  CoordinatorProcess* start_node(const std::string& node, const std::string& crash_at = "",
                                 int takeover_after = kTakeoverAfterSeconds) {
    auto* c = launch(node, crash_at, takeover_after);
    if (!c->wait_ready(seconds(40)))
      throw std::runtime_error("coordinator " + node + " not ready: " + c->log_text());
    return c;
  }
  void TearDown() override {
    for (auto& c : started_)
      if (c->running()) c->signal(SIGTERM);
    for (auto& c : started_)
      c->wait_exit(seconds(20));
  }

  // Kills `victim` at its crash point inside a pay, and measures how long the survivor
  // takes to leave none of the victim's branches prepared.
  void crash_and_take_over(const char* point, bool committed);

  std::unique_ptr<DbPair> pair_;
  std::vector<std::unique_ptr<CoordinatorProcess>> started_;
};

TEST_F(TakeoverTest, TheDecisionLivesInEtcdNotOnTheDisk) {
  const std::string node = unique_node_id("et");
  const std::string prefix = unique_name("etcd_decision");
  auto first = launch(node, "after_decision_logged");
  ASSERT_TRUE(first->wait_ready(seconds(40))) << first->log_text();
  EXPECT_TRUE(has_event(first->log_text(), "listening", "\"decision_store\":\"etcd\""));
  auto client = first->client();
  auto account = open_account(client, prefix, 10'000);
  auto order = create_order(client, account, 1'299);
  EXPECT_THROW(pay(client, order, "k1"), std::exception);
  ASSERT_TRUE(first->wait_exit(seconds(30)).has_value());
  ASSERT_EQ(prepared_of_node(*pair_, "orders", node).size(), 1u);

  // The same node id on a fresh disk (its own scratch log dir): only etcd held the decision.
  auto second = start_node(node);
  auto after = second->client();
  EXPECT_EQ(order_status(after, order), "PAID");
  EXPECT_EQ(balance(after, account), 10'000 - 1'299);
  EXPECT_TRUE(prepared_of_node(*pair_, "orders", node).empty());
  EXPECT_TRUE(prepared_of_node(*pair_, "payments", node).empty());
  EXPECT_EQ(invariant_violations(*pair_, prefix, node), "");
  // The retry is answered from the orders database's idempotency record.
  auto retry = pay(after, order, "k1");
  EXPECT_EQ(retry.status, 200) << retry.body;
}

TEST(TakeoverFlags, BadDecisionStoreFlagsAreRefusedWithAMessage) {
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  for (const Case& c : std::vector<Case>{
           {{"--decision-store", "zk://127.0.0.1:2181"}, "--decision-store must be file or etcd"},
           {{"--decision-store", "etcd://"}, "--decision-store:"},
           {{"--decision-store", "etcd://127.0.0.1:1", "--architecture", "saga"},
            "is for --architecture xa"},
           {{"--takeover-after", "1500ms"}, "--takeover-after must be whole seconds"},
       }) {
    std::vector<std::string> args{"serve"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CommandResult r = run_xacoord(args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(c.says), std::string::npos) << r.output;
  }
}

TEST_F(TakeoverTest, TheSameNodeIdTwiceRefuses) {
  const std::string node = unique_node_id("tw");
  auto first = start_node(node);
  auto second = launch(node);
  auto exit = second->wait_exit(seconds(30));
  ASSERT_TRUE(exit.has_value()) << "a second coordinator ran as the same node id";
  EXPECT_FALSE(exit->signaled);
  EXPECT_EQ(exit->code, 1);
  EXPECT_NE(second->log_text().find("registered by a live coordinator"), std::string::npos)
      << second->log_text();
  EXPECT_TRUE(first->running());
}

TEST_F(TakeoverTest, PayAndCancelOnTwoCoordinatorsEndAsOneSerialOutcome) {
  const std::string a = unique_node_id("ra"), b = unique_node_id("rb");
  const std::string prefix = unique_name("etcd_race");
  auto first = start_node(a, "", 10);
  auto second = start_node(b, "", 10);
  auto setup = first->client();
  const int kOrders = 24;
  auto account = open_account(setup, prefix, 1'000'000);
  std::vector<std::int64_t> orders;
  for (int i = 0; i < kOrders; ++i)
    orders.push_back(create_order(setup, account, 100 + i));
  std::vector<HttpReply> pays(kOrders), cancels(kOrders);
  std::thread payer([&] {
    block_child_signals();
    auto c = first->client();
    for (int i = 0; i < kOrders; ++i)
      pays[i] = pay(c, orders[i], "pay-" + std::to_string(orders[i]));
  });
  // From the other end: the two meet in the middle, where pay and cancel of one order
  // land on the two coordinators at the same moment; either may win each order.
  std::thread canceller([&] {
    block_child_signals();
    auto c = second->client();
    for (int i = kOrders - 1; i >= 0; --i)
      cancels[i] = cancel(c, orders[i]);
  });
  payer.join();
  canceller.join();
  int pay_first = 0, cancel_first = 0;
  for (int i = 0; i < kOrders; ++i) {
    ASSERT_EQ(cancels[i].status, 200) << cancels[i].body;
    auto body = nlohmann::json::parse(cancels[i].body);
    if (pays[i].status == 200) {
      // Pay first, then cancel with refund.
      EXPECT_TRUE(body["refunded"].get<bool>()) << cancels[i].body;
      ++pay_first;
    } else {
      // Cancel first, and the pay answered 409.
      EXPECT_EQ(pays[i].status, 409) << pays[i].body;
      EXPECT_FALSE(body["refunded"].get<bool>()) << cancels[i].body;
      ++cancel_first;
    }
    EXPECT_EQ(order_status(setup, orders[i]), "CANCELLED");
  }
  std::printf("pay first %d, cancel first %d\n", pay_first, cancel_first);
  EXPECT_GT(pay_first, 0);
  EXPECT_GT(cancel_first, 0);
  EXPECT_EQ(invariant_violations(*pair_, prefix, a), "");
  EXPECT_EQ(invariant_violations(*pair_, prefix, b), "");
  EXPECT_EQ(balance(setup, account), 1'000'000);
}

void TakeoverTest::crash_and_take_over(const char* point, bool committed) {
  const std::string victim = unique_node_id("kv"), survivor = unique_node_id("ks");
  const std::string prefix = unique_name(committed ? "to_commit" : "to_rollback");
  auto dying = launch(victim, point);
  ASSERT_TRUE(dying->wait_ready(seconds(40))) << dying->log_text();
  auto live = start_node(survivor);
  auto client = dying->client();
  auto account = open_account(client, prefix, 10'000);
  auto order = create_order(client, account, 1'299);
  EXPECT_THROW(pay(client, order, "k-" + prefix), std::exception);
  ASSERT_TRUE(dying->wait_exit(seconds(30)).has_value());
  const auto died = SteadyClock::now();
  ASSERT_FALSE(prepared_of_node(*pair_, "orders", victim).empty()) << "nothing was in doubt";

  // Contract §9: resolved within --takeover-after + 5 s of the death.
  const auto bound = seconds(kTakeoverAfterSeconds + 5);
  bool resolved = eventually(
      [&] {
        return prepared_of_node(*pair_, "orders", victim).empty() &&
               prepared_of_node(*pair_, "payments", victim).empty();
      },
      bound);
  const double took = std::chrono::duration<double>(SteadyClock::now() - died).count();
  ASSERT_TRUE(resolved) << "branches of " << victim << " still prepared after " << took << " s\n"
                        << live->log_text();
  std::printf("takeover of %s at %s: resolved %.2f s after the kill\n", victim.c_str(), point,
              took);
  EXPECT_TRUE(eventually(
      [&] {
        return has_event(live->log_text(), "takeover_finished", "\"node_id\":\"" + victim + "\"");
      },
      seconds(5)))
      << live->log_text();
  auto after = live->client();
  EXPECT_EQ(order_status(after, order), committed ? "PAID" : "PENDING");
  EXPECT_EQ(balance(after, account), committed ? 10'000 - 1'299 : 10'000);
  EXPECT_EQ(invariant_violations(*pair_, prefix, victim), "");

  // The victim comes back: it registers only once the takeover is recorded, and finds
  // nothing left to do.
  auto back = start_node(victim);
  EXPECT_TRUE(has_event(back->log_text(), "recovery_started", "\"prepared_branches_of_ours\":0"))
      << back->log_text();
}

TEST_F(TakeoverTest, KilledAfterTheDecisionTheOtherCommits) {
  crash_and_take_over("after_decision_logged", true);
}

TEST_F(TakeoverTest, KilledBeforeTheDecisionTheOtherRollsBack) {
  crash_and_take_over("after_prepare_all", false);
}

// The "ts" of the first event line of `event` that mentions `text`; empty if none. ISO
// times of one clock: they compare as strings.
std::string event_time(const std::string& log, const std::string& event, const std::string& text) {
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("\"event\":\"" + event + "\"") == std::string::npos) continue;
    if (line.find(text) == std::string::npos) continue;
    auto at = line.find("\"ts\":\"");
    if (at == std::string::npos) continue;
    return line.substr(at + 6, line.find('"', at + 6) - at - 6);
  }
  return {};
}

TEST_F(TakeoverTest, ANodeThatComesBackWaitsForItsTakeover) {
  const std::string victim = unique_node_id("wv"), survivor = unique_node_id("ws");
  const std::string prefix = unique_name("to_wait");
  auto dying = start_node(victim, "after_decision_logged");
  // The survivor's takeover stalls 1 s once it has claimed the victim.
  CoordinatorOptions slow = options_for(survivor);
  slow.stall_at = "takeover_claimed";
  slow.stall_ms = 1000;
  started_.push_back(CoordinatorProcess::start(slow));
  auto* live = started_.back().get();
  ASSERT_TRUE(live->wait_ready(seconds(40))) << live->log_text();
  auto client = dying->client();
  auto account = open_account(client, prefix, 10'000);
  auto order = create_order(client, account, 1'299);
  EXPECT_THROW(pay(client, order), std::exception);
  ASSERT_TRUE(dying->wait_exit(seconds(30)).has_value());
  // Back while the survivor holds its claim (stalled after it): the victim's registration
  // must wait until the takeover is recorded.
  ASSERT_TRUE(eventually([&] { return has_event(live->log_text(), "takeover_started", victim); },
                         seconds(kTakeoverAfterSeconds + 5)))
      << live->log_text();
  auto* back = start_node(victim);
  const std::string finished =
      event_time(live->log_text(), "takeover_finished", "\"node_id\":\"" + victim + "\"");
  const std::string registered = event_time(back->log_text(), "node_registered", victim);
  ASSERT_FALSE(finished.empty()) << live->log_text();
  ASSERT_FALSE(registered.empty()) << back->log_text();
  EXPECT_LT(finished, registered) << "the victim registered before its takeover finished";
  auto after = back->client();
  EXPECT_EQ(order_status(after, order), "PAID");
  EXPECT_TRUE(has_event(back->log_text(), "recovery_started", "\"prepared_branches_of_ours\":0"))
      << back->log_text();
}

TEST_F(TakeoverTest, ATakerKilledMidTakeoverIsTakenOverInTurn) {
  const std::string victim = unique_node_id("tv"), taker = unique_node_id("tt"),
                    third = unique_node_id("t3");
  const std::string prefix = unique_name("to_taker");
  auto* dying = start_node(victim, "after_decision_logged");
  auto* doomed = start_node(taker, "takeover_claimed");
  auto client = dying->client();
  auto account = open_account(client, prefix, 10'000);
  auto order = create_order(client, account, 1'299);
  EXPECT_THROW(pay(client, order), std::exception);
  ASSERT_TRUE(dying->wait_exit(seconds(30)).has_value());
  // The taker claims the victim and dies at once, its claim held by its lease.
  ASSERT_TRUE(doomed->wait_exit(seconds(20)).has_value()) << doomed->log_text();
  ASSERT_TRUE(has_event(doomed->log_text(), "takeover_started", victim));
  ASSERT_FALSE(prepared_of_node(*pair_, "orders", victim).empty());
  // A third node takes over both once the taker's lease is gone.
  auto* live = start_node(third);
  const auto began = SteadyClock::now();
  EXPECT_TRUE(eventually(
      [&] {
        return prepared_of_node(*pair_, "orders", victim).empty() &&
               prepared_of_node(*pair_, "payments", victim).empty();
      },
      seconds(kTakeoverAfterSeconds + 5)))
      << live->log_text();
  std::printf("the victim resolved %.2f s after the third node was ready\n",
              std::chrono::duration<double>(SteadyClock::now() - began).count());
  EXPECT_TRUE(eventually(
      [&] {
        auto log = live->log_text();
        return has_event(log, "takeover_finished", "\"node_id\":\"" + victim + "\"") &&
               has_event(log, "takeover_finished", "\"node_id\":\"" + taker + "\"");
      },
      seconds(kTakeoverAfterSeconds + 5)))
      << live->log_text();
  auto after = live->client();
  EXPECT_EQ(order_status(after, order), "PAID");
  EXPECT_EQ(invariant_violations(*pair_, prefix, victim), "");
}

TEST_F(TakeoverTest, ACoordinatorCutOffFromEtcdDecidesNothing) {
  std::string why;
  if (!harness::PacketFilter::available(&why)) GTEST_SKIP() << "no packet filter: " << why;
  const std::string node = unique_node_id("co");
  const std::string prefix = unique_name("etcd_cutoff");
  auto coordinator = start_node(node);
  auto client = coordinator->client(seconds(40));
  auto account = open_account(client, prefix, 10'000);
  auto order = create_order(client, account, 1'299);
  {
    harness::PacketFilter filter;
    for (int m = 1; m <= 3; ++m)
      filter.cut_server_port(cluster().client_port(m));
    // Past half the lease without a renewal: the node stops deciding.
    std::this_thread::sleep_for(milliseconds(kTakeoverAfterSeconds * 1000 / 2 + 300));
    HttpReply reply;
    try {
      reply = pay(client, order, "cut-" + prefix);
    } catch (const std::exception&) {
      reply.status = 0;  // or it stopped: either way, no outcome was claimed
    }
    EXPECT_NE(reply.status, 200) << reply.body;
    // Stay cut until the lease is surely gone at etcd.
    std::this_thread::sleep_for(seconds(kTakeoverAfterSeconds + 1));
  }
  // Healed: the node learns that its lease is gone, and stops rather than decide.
  auto exit = coordinator->wait_exit(seconds(20));
  ASSERT_TRUE(exit.has_value()) << coordinator->log_text();
  EXPECT_TRUE(has_event(coordinator->log_text(), "node_registration_lost", node) ||
              has_event(coordinator->log_text(), "decision_outcome_unknown", ""))
      << coordinator->log_text();
  auto back = start_node(node);
  auto after = back->client();
  EXPECT_EQ(order_status(after, order), "PENDING");
  EXPECT_EQ(balance(after, account), 10'000);
  EXPECT_EQ(invariant_violations(*pair_, prefix, node), "");
}

TEST_F(TakeoverTest, OneEtcdMemberKilledFailsNoPay) {
  const std::string a = unique_node_id("ma"), b = unique_node_id("mb");
  const std::string prefix = unique_name("etcd_member");
  auto first = start_node(a, "", 10);
  auto second = start_node(b, "", 10);
  auto setup = first->client();
  auto account = open_account(setup, prefix, 100'000'000);
  std::atomic<bool> stop{false};
  std::atomic<int> paid{0}, failed{0};
  std::mutex failures_lock;
  std::vector<std::string> failures;
  auto run = [&](const CoordinatorProcess* c) {
    block_child_signals();
    auto client = c->client();
    while (!stop) {
      auto order = create_order(client, account, 100);
      auto reply = pay(client, order);
      if (reply.status == 200) {
        ++paid;
      } else {
        ++failed;
        std::lock_guard<std::mutex> hold(failures_lock);
        failures.push_back(std::to_string(reply.status) + " " + reply.body);
      }
    }
  };
  std::thread t1(run, first), t2(run, second);
  std::this_thread::sleep_for(seconds(1));
  const int before = paid;
  cluster().kill(1);
  const int at_kill = paid;
  std::this_thread::sleep_for(seconds(3));
  stop = true;
  t1.join();
  t2.join();
  cluster().start(1);
  const int after = paid - at_kill;
  std::printf("%d pays before the kill, %d during it, %d after; %d failed\n", before,
              at_kill - before, after, failed.load());
  EXPECT_GT(after, 0) << "no pay went through after the member died";
  EXPECT_EQ(failed, 0) << (failures.empty() ? "" : failures.front());
  EXPECT_EQ(invariant_violations(*pair_, prefix, a), "");
  EXPECT_EQ(invariant_violations(*pair_, prefix, b), "");
}

// Measurements, not run by `make test` (docs/scale-out.md, "Measured"):
//   build/tests/recovery_takeover_test --gtest_also_run_disabled_tests
//     --gtest_filter='*DISABLED_Measure*'
// XA_MEASURE_KILLS (default 20) and XA_MEASURE_SECONDS (default 10) size them.
int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

TEST_F(TakeoverTest, DISABLED_MeasureTakeoverTime) {
  const int kills = env_int("XA_MEASURE_KILLS", 20);
  const std::string victim = unique_node_id("mv"), survivor = unique_node_id("ms");
  auto* live = start_node(survivor);
  auto setup = live->client();
  const std::string prefix = unique_name("measure_takeover");
  auto account = open_account(setup, prefix, 100'000'000);
  std::vector<double> times;
  for (int i = 0; i < kills; ++i) {
    const char* point = i % 2 == 0 ? "after_decision_logged" : "after_prepare_all";
    auto* dying = start_node(victim, point);
    auto client = dying->client();
    auto order = create_order(client, account, 100);
    EXPECT_THROW(pay(client, order), std::exception);
    ASSERT_TRUE(dying->wait_exit(seconds(30)).has_value());
    const auto died = SteadyClock::now();
    ASSERT_FALSE(prepared_of_node(*pair_, "orders", victim).empty());
    ASSERT_TRUE(eventually(
        [&] {
          return prepared_of_node(*pair_, "orders", victim).empty() &&
                 prepared_of_node(*pair_, "payments", victim).empty();
        },
        seconds(60)));
    times.push_back(std::chrono::duration<double>(SteadyClock::now() - died).count());
    EXPECT_EQ(order_status(setup, order), i % 2 == 0 ? "PAID" : "PENDING");
    std::printf("kill %d at %s: resolved %.2f s after the kill\n", i + 1, point, times.back());
  }
  EXPECT_EQ(invariant_violations(*pair_, prefix, victim), "");
  std::sort(times.begin(), times.end());
  std::printf("takeover-after %d s, %d kills: median %.2f s, max %.2f s, min %.2f s\n",
              kTakeoverAfterSeconds, kills, times[times.size() / 2], times.back(), times.front());
}

// Pays/s through 1, 2 and 3 coordinators on etcd, and through 1 on the file log, with the
// same total of clients, each paying fresh orders of its own account.
TEST_F(TakeoverTest, DISABLED_MeasurePaysPerSecond) {
  const int duration = env_int("XA_MEASURE_SECONDS", 10);
  const int clients = env_int("XA_MEASURE_CLIENTS", 24);
  auto measure = [&](std::vector<CoordinatorProcess*> nodes, const std::string& label) {
    std::atomic<bool> stop{false};
    std::atomic<long> paid{0}, failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < clients; ++t) {
      threads.emplace_back([&, t] {
        auto c = nodes[t % nodes.size()]->client();
        auto account = open_account(c, unique_name("measure_pays"), 1'000'000'000);
        while (!stop) {
          auto order = create_order(c, account, 100);
          auto r = pay(c, order);
          (r.status == 200 ? paid : failed)++;
        }
      });
    }
    std::this_thread::sleep_for(seconds(1));  // warm-up: accounts opened, pools filled
    const long before = paid;
    std::this_thread::sleep_for(seconds(duration));
    const long during = paid - before;
    stop = true;
    for (auto& t : threads)
      t.join();
    std::printf("%s: %d clients, %.1f pays/s over %d s (%ld failed)\n", label.c_str(), clients,
                static_cast<double>(during) / duration, duration, failed.load());
    EXPECT_EQ(failed, 0);
  };
  {
    CoordinatorOptions o = CoordinatorOptions::for_pair(*pair_);
    o.node_id = unique_node_id("mf");
    o.extra_args = quick_recovery_flags();  // the same pool (8) as the etcd nodes
    started_.push_back(CoordinatorProcess::start(o));
    ASSERT_TRUE(started_.back()->wait_ready(seconds(40)));
    measure({started_.back().get()}, "1 coordinator, file log");
    started_.back()->signal(SIGTERM);
    started_.back()->wait_exit(seconds(20));
  }
  std::vector<CoordinatorProcess*> nodes;
  for (int n = 1; n <= 3; ++n) {
    nodes.push_back(start_node(unique_node_id("mp"), "", 10));
    measure(nodes, std::to_string(n) + " coordinator(s), etcd");
  }
}

}  // namespace
}  // namespace xacoord::test
