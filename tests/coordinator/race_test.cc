// The famous race, many times at once: for each fresh order a pay and a cancel are sent at
// the same instant. Every pair must end as "pay, then cancel with refund" or "cancel, then
// pay refused (409)", and the invariants must hold on both databases afterwards.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/coordinator_process.h"
#include "tests/support/db_pair.h"
#include "tests/support/shop.h"
#include "tools/reconcile/reconcile.h"

namespace xacoord::test {
namespace {

TEST(RaceTest, TwoHundredPayCancelPairsEndAtomically) {
  auto pair = DbPair::shared();
  if (!pair) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  auto options = CoordinatorOptions::for_pair(*pair);
  options.node_id = "race";
  auto coordinator = CoordinatorProcess::start(options);
  ASSERT_TRUE(coordinator->wait_ready()) << coordinator->log_text();

  constexpr int kPairs = 200;
  constexpr std::int64_t kPrice = 250, kFunding = kPairs * kPrice;
  auto c = coordinator->client();
  // Four accounts, so payments contend on account rows as they would in real life.
  std::vector<std::string> accounts;
  for (int i = 0; i < 4; ++i)
    accounts.push_back(open_account(c, "race", kFunding));
  std::vector<std::int64_t> orders;
  for (int i = 0; i < kPairs; ++i)
    orders.push_back(create_order(c, accounts[i % 4], kPrice));

  std::vector<int> pay_status(kPairs), cancel_status(kPairs);
  std::vector<std::string> cancel_body(kPairs);
  // One element per thread, and not std::vector<bool>: its elements are bits sharing words,
  // so two threads setting neighbours race and one write can be lost.
  std::vector<char> refunded(kPairs, 0);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kPairs; ++i) {
    for (bool is_pay : {true, false}) {
      threads.emplace_back([&, i, is_pay] {
        auto client = coordinator->client(std::chrono::seconds(60));
        ready++;
        while (!go.load())
          std::this_thread::yield();
        try {
          auto reply = is_pay ? pay(client, orders[i]) : cancel(client, orders[i]);
          (is_pay ? pay_status : cancel_status)[i] = reply.status;
          if (!is_pay) cancel_body[i] = reply.body;
          if (!is_pay && reply.status == 200) refunded[i] = reply.json().value("refunded", false);
        } catch (const std::exception&) {
          (is_pay ? pay_status : cancel_status)[i] = -1;
        }
      });
    }
  }
  while (ready.load() < 2 * kPairs)
    std::this_thread::yield();
  go = true;
  for (auto& t : threads)
    t.join();

  int pay_won = 0, cancel_won = 0;
  for (int i = 0; i < kPairs; ++i) {
    EXPECT_EQ(cancel_status[i], 200) << "order " << orders[i] << ": " << cancel_body[i];
    EXPECT_EQ(order_status(c, orders[i]), "CANCELLED");
    if (pay_status[i] == 200) {
      EXPECT_TRUE(refunded[i]) << "order " << orders[i]
                               << " was paid first, so its cancel must refund";
      ++pay_won;
    } else {
      EXPECT_EQ(pay_status[i], 409) << "order " << orders[i];
      EXPECT_FALSE(refunded[i]);
      ++cancel_won;
    }
  }
  std::printf("race outcome: %d pays won before their cancel, %d cancels won first (of %d pairs)\n",
              pay_won, cancel_won, kPairs);
  RecordProperty("pays_won", pay_won);
  RecordProperty("cancels_won", cancel_won);
  for (const auto& a : accounts)
    EXPECT_EQ(balance(c, a), kFunding) << "every capture was refunded";

  auto o = pair->connect("orders");
  auto p = pair->connect("payments");
  reconcile::Scope scope;
  scope.account_prefix = "race-" + std::to_string(::getpid()) + "-";  // this run's accounts
  scope.node_id = "race";
  auto report = reconcile::check(*o, *p, scope);
  EXPECT_TRUE(report.ok()) << report.to_text();
  EXPECT_EQ(report.orders, static_cast<std::size_t>(kPairs));
  EXPECT_EQ(report.prepared_branches, 0u) << "XA RECOVER must list no branch of ours";
}

}  // namespace
}  // namespace xacoord::test
