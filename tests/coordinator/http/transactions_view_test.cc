// GET /v1/transactions/{txn_id} and GET /v1/transactions: what a transaction did, branch
// by branch, for a paid order (COMMITTED) and a refused payment (ABORTED).
#include <regex>

#include <gtest/gtest.h>

#include "tests/coordinator/http/http_fixture.h"
#include "tests/support/shop.h"

namespace xacoord::test {
namespace {

bool is_rfc3339_utc(const nlohmann::json& value) {
  static const std::regex pattern(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  return value.is_string() && std::regex_match(value.get<std::string>(), pattern);
}

bool listed(HttpClient& c, const std::string& query, const std::string& txn_id) {
  auto reply = c.get("/v1/transactions?" + query);
  EXPECT_EQ(reply.status, 200) << reply.body;
  const auto body = reply.json();  // kept: a range-for over a temporary's member dangles
  for (const auto& t : body["transactions"]) {
    if (t["txn_id"] == txn_id) return true;
  }
  return false;
}

class TransactionsViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = DbPair::shared();
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
    coordinator_ = start_coordinator(*pair_);
  }
  std::unique_ptr<DbPair> pair_;
  std::unique_ptr<CoordinatorProcess> coordinator_;
};

TEST_F(TransactionsViewTest, APaidOrdersTransactionIsCommittedOnBothBranches) {
  auto c = coordinator_->client();
  auto account = open_account(c, "view", 1'000);
  auto order = create_order(c, account, 300);
  auto paid = pay(c, order);
  ASSERT_EQ(paid.status, 200) << paid.body;
  const std::string txn_id = paid.json()["txn_id"];

  auto reply = c.get("/v1/transactions/" + txn_id);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.headers["content-type"], "application/json");
  auto txn = reply.json();
  EXPECT_EQ(txn["txn_id"], txn_id);
  EXPECT_EQ(txn["state"], "COMMITTED");
  EXPECT_EQ(txn["kind"], "pay");
  EXPECT_EQ(txn["order_id"], order);
  EXPECT_TRUE(is_rfc3339_utc(txn["started_at"])) << txn;
  EXPECT_TRUE(is_rfc3339_utc(txn["decided_at"])) << txn;
  EXPECT_LE(txn["started_at"].get<std::string>(), txn["decided_at"].get<std::string>());
  ASSERT_EQ(txn["branches"].size(), 2u) << txn;
  std::set<std::string> participants;
  for (const auto& b : txn["branches"]) {
    participants.insert(b["participant"]);
    EXPECT_EQ(b["state"], "COMMITTED");
    // The xid names the transaction and the branch, as XA RECOVER would show it.
    const std::string xid = b["xid"];
    EXPECT_NE(xid.find(txn_id), std::string::npos) << xid;
  }
  EXPECT_EQ(participants, (std::set<std::string>{"orders", "payments"}));
  EXPECT_TRUE(listed(c, "state=COMMITTED&limit=1000", txn_id));
  EXPECT_FALSE(listed(c, "state=ABORTED&limit=1000", txn_id));
  EXPECT_FALSE(listed(c, "state=in_doubt", txn_id));
}

TEST_F(TransactionsViewTest, ARefusedPaymentsTransactionIsAborted) {
  auto c = coordinator_->client();
  auto account = open_account(c, "viewpoor", 100);
  auto order = create_order(c, account, 150);
  auto refused = pay(c, order);
  ASSERT_TRUE(is_problem(refused, 422, "insufficient-funds"));
  const std::string txn_id = refused.json()["txn_id"];

  auto reply = c.get("/v1/transactions/" + txn_id);
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto txn = reply.json();
  EXPECT_EQ(txn["state"], "ABORTED");
  EXPECT_EQ(txn["order_id"], order);
  EXPECT_TRUE(is_rfc3339_utc(txn["decided_at"])) << txn;
  EXPECT_FALSE(txn.value("error", "").empty()) << "says why it aborted: " << txn;
  ASSERT_FALSE(txn["branches"].empty());
  for (const auto& b : txn["branches"])
    EXPECT_EQ(b["state"], "ROLLED_BACK") << txn;
  EXPECT_TRUE(listed(c, "state=ABORTED&limit=1000", txn_id));
  EXPECT_FALSE(listed(c, "state=COMMITTED&limit=1000", txn_id));
}

TEST_F(TransactionsViewTest, ACancelWithRefundIsItsOwnCommittedTransaction) {
  auto c = coordinator_->client();
  auto account = open_account(c, "viewcxl", 1'000);
  auto order = create_order(c, account, 400);
  auto paid = pay(c, order);
  ASSERT_EQ(paid.status, 200);
  auto cancelled = cancel(c, order);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  const std::string txn_id = cancelled.json()["txn_id"];
  EXPECT_NE(txn_id, paid.json()["txn_id"]);
  auto txn = c.get("/v1/transactions/" + txn_id).json();
  EXPECT_EQ(txn["state"], "COMMITTED");
  EXPECT_EQ(txn["kind"], "cancel");
  EXPECT_EQ(txn["branches"].size(), 2u);
  // The list is newest first and honours the limit.
  auto newest = c.get("/v1/transactions?limit=1").json();
  ASSERT_EQ(newest["count"], 1);
  EXPECT_EQ(newest["transactions"][0]["txn_id"], txn_id);
}

}  // namespace
}  // namespace xacoord::test
