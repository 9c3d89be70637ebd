// Redis killed -9 in the middle of a load of pays, and started again on its data 500 ms
// later: every pay accepted before, during and after ends PAID, each of its messages
// applied once, and the money adds up. The relay republishes what it could not prove
// published; the consumers' inbox absorbs any second delivery.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "tests/coordinator/architectures/outbox/outbox_fixture.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

TEST(OutboxBrokerKillTest, RedisKilledMidLoadLosesNothing) {
  auto pair = DbPair::shared();
  if (!pair) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  auto broker = start_test_broker("outbox-kill-broker");
  const std::string node = unique_node_id("obkill");
  auto coordinator = start_outbox(*pair, *broker, node, unique_name("obkill"));

  constexpr int kOrders = 300, kClients = 6;
  constexpr std::int64_t kPrice = 100;
  auto c = coordinator->client();
  const std::string prefix = unique_name("obkill");
  std::vector<std::string> accounts;
  for (int i = 0; i < kClients; ++i)
    accounts.push_back(open_account(c, prefix, kOrders / kClients * kPrice));
  std::vector<std::int64_t> orders;
  for (int i = 0; i < kOrders; ++i)
    orders.push_back(create_order(c, accounts[i % kClients], kPrice));

  std::vector<int> status(kOrders);
  std::vector<std::string> txn(kOrders);
  std::atomic<int> next{0}, answered{0};
  std::vector<std::thread> clients;
  for (int k = 0; k < kClients; ++k) {
    clients.emplace_back([&] {
      auto client = coordinator->client(std::chrono::seconds(30));
      for (int i = next++; i < kOrders; i = next++) {
        // A signal to this process (the broker's child exiting) can interrupt a read: send
        // the same request again with the same key, as a careful client does.
        for (int attempt = 0; attempt < 20 && status[i] == 0; ++attempt) {
          try {
            auto reply = pay(client, orders[i], "obkill-" + std::to_string(orders[i]));
            status[i] = reply.status;
            if (reply.status == 202) txn[i] = reply.json().value("txn_id", "");
          } catch (const std::exception&) {
            client = coordinator->client(std::chrono::seconds(30));
          }
        }
        answered++;
      }
    });
  }
  // Strike once a third is accepted, with the relay and consumers busy.
  ASSERT_TRUE(eventually([&] { return answered.load() >= kOrders / 3; }));
  broker->kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  broker->restart();
  for (auto& t : clients)
    t.join();

  ASSERT_TRUE(wait_settled(*coordinator, std::chrono::seconds(60))) << coordinator->log_text();
  int paid = 0;
  for (int i = 0; i < kOrders; ++i) {
    ASSERT_EQ(status[i], 202) << "order " << orders[i];
    EXPECT_EQ(final_state(*pair, orders[i]), "PAID CAPTURED") << "order " << orders[i];
    EXPECT_EQ(inbox_count(*pair, "payments", txn[i] + ":charge"), 1) << txn[i];
    EXPECT_EQ(inbox_count(*pair, "orders", txn[i] + ":charged"), 1) << txn[i];
    paid += final_state(*pair, orders[i]) == "PAID CAPTURED";
  }
  EXPECT_EQ(paid, kOrders);
  for (const auto& a : accounts)
    EXPECT_EQ(balance_in_db(*pair, a), 0);
  EXPECT_EQ(invariant_violations(*pair, prefix, node), "");
}

}  // namespace
}  // namespace xacoord::test
