// The decision log under a real crash: `xacoord serve` is killed with SIGKILL while many
// pays are in flight, and restarted on the same --log-dir. Every pay a client saw answered
// 200 must be PAID afterwards, the restarted coordinator must report ready, and the
// invariants of contract §4 must hold.
//
// Two kills: one at an arbitrary moment mid-stream, and one while the whole coordinator
// is frozen right after a commit decision became durable (a stall point), so that at
// least one logged decision is certainly waiting for its phase two when the process dies.
// Every decision the log holds after that kill must end COMMITTED on every branch: this
// is what the log is for (a pay answered 200 had its phase two done before the answer).
#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "coordinator/log/log_scan.h"
#include "tests/support/coordinator_process.h"
#include "tests/support/db_pair.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"
#include "tools/reconcile/reconcile.h"

namespace xacoord::test {
namespace {

constexpr int kClients = 24;
constexpr std::int64_t kPrice = 100;

struct Outcomes {
  std::mutex mutex;
  std::vector<std::int64_t> paid;        // answered 200
  std::vector<std::int64_t> unanswered;  // the connection died with the coordinator
  std::vector<std::string> other;        // anything else, for the failure message
  std::atomic<int> paid_count{0};
  std::atomic<int> refused{0};  // answered 503
};

// Clients that create an order and pay it, again and again, until the coordinator dies.
std::vector<std::thread> drive_pays(CoordinatorProcess& coordinator,
                                    const std::vector<std::string>& accounts, Outcomes& out) {
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      auto client = coordinator.client(std::chrono::seconds(60));
      for (int i = 0; i < 10'000; ++i) {
        std::int64_t order = 0;
        try {
          order = create_order(client, accounts[t % accounts.size()], kPrice);
        } catch (const std::exception&) {
          return;  // the coordinator is gone
        }
        try {
          auto reply = pay(client, order);
          std::lock_guard lock(out.mutex);
          if (reply.status == 200) {
            out.paid.push_back(order);
            out.paid_count++;
          } else if (reply.status == 503) {
            // "Nothing changed, safe to retry": e.g. a lock held by a branch of the killed
            // life that became prepared after the restart's recovery scan, until the
            // orphan scan rolls it back.
            out.refused++;
          } else {
            out.other.push_back(std::to_string(order) + ": " + std::to_string(reply.status) + " " +
                                reply.body);
          }
        } catch (const std::exception&) {
          std::lock_guard lock(out.mutex);
          out.unanswered.push_back(order);
          return;
        }
      }
    });
  }
  return clients;
}

TEST(DecisionLogCrash, EveryPayAnswered200SurvivesSigkillAndRestart) {
  auto pair = DbPair::shared();
  if (!pair) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  auto options = CoordinatorOptions::for_pair(*pair);
  options.node_id = "dlogkill";
  options.log_dir = scratch_dir("dlog-kill") + "/log";
  const std::string prefix = "dlogkill-" + std::to_string(::getpid()) + "-";

  std::vector<std::string> accounts;
  Outcomes outcomes;
  {
    // Life 1: killed at an arbitrary moment, mid-stream.
    auto coordinator = CoordinatorProcess::start(options);
    ASSERT_TRUE(coordinator->wait_ready()) << coordinator->log_text();
    auto c = coordinator->client();
    for (int i = 0; i < 8; ++i)
      accounts.push_back(open_account(c, "dlogkill", 100'000'000));
    auto clients = drive_pays(*coordinator, accounts, outcomes);
    while (outcomes.paid_count.load() < 300 && coordinator->running())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    coordinator->signal(SIGKILL);
    for (auto& t : clients)
      t.join();
    auto exit = coordinator->wait_exit(std::chrono::seconds(10));
    ASSERT_TRUE(exit && exit->signaled && exit->code == SIGKILL);
  }
  const std::size_t paid_in_life_1 = outcomes.paid.size();
  ASSERT_GE(paid_in_life_1, 300u) << "the first life ended before the kill";
  {
    // Life 2: frozen right after the 200th commit decision of this life became durable
    // (no XA COMMIT sent for it), and killed while frozen.
    auto frozen = options;
    frozen.stall_at = "after_decision_logged:200";
    frozen.stall_ms = 60'000;
    auto coordinator = CoordinatorProcess::start(frozen);
    ASSERT_TRUE(coordinator->wait_ready()) << coordinator->log_text();
    auto clients = drive_pays(*coordinator, accounts, outcomes);
    ASSERT_TRUE(coordinator->wait_for_log("\"stall_point\"", std::chrono::seconds(120)))
        << coordinator->log_text();
    coordinator->signal(SIGKILL);
    for (auto& t : clients)
      t.join();
    ASSERT_TRUE(coordinator->wait_exit(std::chrono::seconds(10)));
  }
  // What the log holds now: every decision durable and not known to be finished. The one
  // frozen before its XA COMMIT is among them; each must end committed on every branch.
  const auto in_doubt = dlog::scan_log(dlog::posix_file_system(), options.log_dir).state.open();
  ASSERT_FALSE(in_doubt.empty()) << "the decision frozen before its XA COMMIT is not in the log";
  EXPECT_TRUE(outcomes.other.empty())
      << outcomes.other.size()
      << " unexpected answers, first: " << outcomes.other.front().substr(0, 500);
  ASSERT_GT(outcomes.paid.size(), paid_in_life_1) << "the second life acknowledged no pay";

  // Life 3: recovery on the same log; nothing acknowledged may be missing. A session of a
  // killed life may still be running its batch on the server (waiting for a row lock) and
  // prepare its branch after this life's recovery scan: the orphan scan rolls those back,
  // quickly here.
  auto recovering = options;
  recovering.extra_args = {"--orphan-scan-interval", "200ms", "--orphan-grace", "1s"};
  auto coordinator = CoordinatorProcess::start(recovering);
  ASSERT_TRUE(coordinator->wait_ready(std::chrono::seconds(120))) << coordinator->log_text();
  auto c = coordinator->client();
  for (const auto& [txn_id, decision] : in_doubt) {
    auto reply = c.get("/v1/transactions/" + txn_id);
    ASSERT_EQ(reply.status, 200) << txn_id << ": " << reply.body;
    auto txn = reply.json();
    EXPECT_EQ(txn.value("state", ""), "COMMITTED") << reply.body;
    for (const auto& branch : txn["branches"])
      EXPECT_EQ(branch.value("state", ""), "COMMITTED") << reply.body;
  }
  int missing = 0;
  for (auto order : outcomes.paid) {
    auto status = order_status(c, order);
    if (status != "PAID") {
      ++missing;
      ADD_FAILURE() << "order " << order << " was answered 200 but is " << status;
    }
  }
  std::printf(
      "%zu pays answered 200 before two SIGKILLs, %d answered 503, %zu unanswered, %zu "
      "decisions in doubt at the second kill; %d missing after recovery\n",
      outcomes.paid.size(), outcomes.refused.load(), outcomes.unanswered.size(), in_doubt.size(),
      missing);

  auto o = pair->connect("orders");
  auto p = pair->connect("payments");
  reconcile::Scope scope;
  scope.account_prefix = prefix;
  scope.node_id = options.node_id;
  auto report = reconcile::check(*o, *p, scope);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!report.ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    report = reconcile::check(*o, *p, scope);
  }
  EXPECT_TRUE(report.ok()) << report.to_text();
  EXPECT_EQ(report.prepared_branches, 0u) << "XA RECOVER must list no branch of ours";
}

}  // namespace
}  // namespace xacoord::test
