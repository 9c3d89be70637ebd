// The famous race under the saga: for each fresh order a pay and a cancel sent at the same
// instant. Every pair ends as "pay, then cancel with refund" or "cancel, then pay refused
// (409)" — the latter with the charge compensated if step 1 had already committed — and
// once settled the invariants hold and every charge was given back.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "tests/coordinator/architectures/saga/saga_fixture.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"
#include "tools/reconcile/reconcile.h"

namespace xacoord::test {
namespace {

TEST(SagaRaceTest, TwoHundredPayCancelPairsEndAsOneSerialOrder) {
  auto pair = DbPair::shared();
  if (!pair) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  const std::string node = unique_node_id("sgrace");
  auto coordinator = start_saga(*pair, node);

  constexpr int kPairs = 200;
  constexpr std::int64_t kPrice = 250, kFunding = kPairs * kPrice;
  auto c = coordinator->client();
  const std::string prefix = unique_name("sgrace");
  std::vector<std::string> accounts;
  for (int i = 0; i < 4; ++i)
    accounts.push_back(open_account(c, prefix, kFunding));
  std::vector<std::int64_t> orders;
  for (int i = 0; i < kPairs; ++i)
    orders.push_back(create_order(c, accounts[i % 4], kPrice));
  const double compensations_before = metric(c, "xacoord_saga_compensations_total");

  std::vector<int> pay_status(kPairs), cancel_status(kPairs);
  std::vector<std::string> pay_txn(kPairs), cancel_body(kPairs);
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
          if (is_pay && reply.status == 200) pay_txn[i] = reply.json().value("txn_id", "");
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
  ASSERT_TRUE(eventually([&] { return c.get("/v1/status").json().value("settled", false); }));

  int pay_won = 0, cancel_won = 0, compensated = 0;
  for (int i = 0; i < kPairs; ++i) {
    EXPECT_EQ(cancel_status[i], 200) << "order " << orders[i] << ": " << cancel_body[i];
    EXPECT_EQ(order_status(c, orders[i]), "CANCELLED");
    const std::string payment = payment_in_db(*pair, orders[i]);
    if (pay_status[i] == 200) {
      EXPECT_TRUE(refunded[i]) << "order " << orders[i] << " was paid first, so its cancel refunds";
      EXPECT_EQ(payment.substr(0, 9 + pay_txn[i].size()), "REFUNDED " + pay_txn[i]);
      ++pay_won;
    } else {
      EXPECT_EQ(pay_status[i], 409) << "order " << orders[i];
      EXPECT_FALSE(refunded[i]) << "the cancel found it PENDING";
      // Cancelled before the pay's step 1, or between its steps: then compensated.
      EXPECT_TRUE(payment == "none" || payment.substr(0, 9) == "REFUNDED ") << payment;
      if (payment != "none") ++compensated;
      ++cancel_won;
    }
  }
  std::printf(
      "saga race: %d pays won, %d cancels won, %d of those after a charge that was "
      "compensated (of %d pairs)\n",
      pay_won, cancel_won, compensated, kPairs);
  RecordProperty("pays_won", pay_won);
  RecordProperty("cancels_won", cancel_won);
  RecordProperty("compensations", compensated);
  EXPECT_EQ(metric(c, "xacoord_saga_compensations_total") - compensations_before, compensated);
  for (const auto& a : accounts)
    EXPECT_EQ(balance(c, a), kFunding) << "every charge was given back";

  auto o = pair->connect("orders");
  auto p = pair->connect("payments");
  reconcile::Scope scope;
  scope.account_prefix = prefix;
  scope.node_id = node;
  auto report = reconcile::check(*o, *p, scope);
  EXPECT_TRUE(report.ok()) << report.to_text();
  EXPECT_EQ(report.orders, static_cast<std::size_t>(kPairs));
}

}  // namespace
}  // namespace xacoord::test
