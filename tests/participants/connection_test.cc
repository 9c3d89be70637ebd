// MariaDB's XA behaviour as the engine relies on it, checked against the real server
// (../shared/notes/mariadb-xa.md), and the session wrapper's batching and error mapping.
#include "participants/connection.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "participants/db_error.h"
#include "participants/orders_sql.h"
#include "participants/payments_sql.h"
#include "protocol/txn_id.h"
#include "tests/support/db_pair.h"
#include "tests/support/test_env.h"

namespace xacoord::db {
namespace {

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = test::DbPair::shared();
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  }
  Xid fresh_xid(const std::string& participant) {
    return branch_xid(TxnId{"t", 1, static_cast<std::uint64_t>(++counter_ + ::getpid() * 1000)},
                      participant);
  }
  static bool listed(Connection& c, const Xid& xid) {
    auto all = c.xa_recover();
    return std::find(all.begin(), all.end(), xid) != all.end();
  }
  ErrorKind kind_of(const std::function<void()>& fn) {
    try {
      fn();
    } catch (const DbError& e) {
      return e.kind();
    }
    ADD_FAILURE() << "no error";
    return ErrorKind::kOther;
  }

  std::unique_ptr<test::DbPair> pair_;
  int counter_ = 0;
};

TEST_F(ConnectionTest, PreparedBranchIsListedAndOnlyItsSessionCanFinishIt) {
  auto a = pair_->connect("orders");
  auto b = pair_->connect("orders");
  Xid xid = fresh_xid("orders");
  a->xa_start(xid);
  a->execute(
      "INSERT INTO orders (account_id, amount_cents, status) VALUES ('xa-test', 1, 'PENDING')");
  a->xa_end(xid);
  a->xa_prepare(xid);
  EXPECT_TRUE(listed(*b, xid));
  // MariaDB: while the preparing session lives, another session's commit says NOTA.
  EXPECT_EQ(kind_of([&] { b->xa_commit(xid); }), ErrorKind::kUnknownXid);
  // A prepared session cannot start another branch.
  EXPECT_EQ(kind_of([&] { a->xa_start(fresh_xid("orders")); }), ErrorKind::kXaState);
  a.reset();  // the session closes; the prepared branch survives it
  bool committed = false;
  for (int i = 0; i < 100 && !committed; ++i) {
    try {
      b->xa_commit(xid);
      committed = true;
    } catch (const DbError& e) {
      ASSERT_EQ(e.kind(), ErrorKind::kUnknownXid);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  EXPECT_TRUE(committed);
  EXPECT_FALSE(listed(*b, xid));
  EXPECT_EQ(kind_of([&] { b->xa_commit(xid); }), ErrorKind::kUnknownXid);  // done is NOTA
}

TEST_F(ConnectionTest, UnpreparedBranchDiesWithItsSession) {
  auto a = pair_->connect("orders");
  Xid xid = fresh_xid("orders");
  a->xa_start(xid);
  a->xa_end(xid);
  a.reset();
  auto b = pair_->connect("orders");
  EXPECT_FALSE(listed(*b, xid));
}

TEST_F(ConnectionTest, OnePhaseCommitNeedsNoPrepare) {
  auto c = pair_->connect("orders");
  Xid xid = fresh_xid("orders");
  c->batch({"XA START " + xid.to_sql(), "SELECT 1", "XA END " + xid.to_sql(),
            "XA COMMIT " + xid.to_sql() + " ONE PHASE"});
  EXPECT_FALSE(listed(*c, xid));
}

TEST_F(ConnectionTest, BatchReturnsEachStatementsResultInPlace) {
  auto c = pair_->connect("orders");
  auto results = c->batch({"SET @x = 41", "SELECT @x + 1", "DO 0", "SELECT 'a', NULL"});
  ASSERT_EQ(results.size(), 4u);
  EXPECT_FALSE(results[0]);
  ASSERT_TRUE(results[1]);
  EXPECT_EQ(as_int((*results[1])[0], 0), 42);
  EXPECT_FALSE(results[2]);
  ASSERT_TRUE(results[3]);
  EXPECT_EQ(as_string((*results[3])[0], 0), "a");
  EXPECT_FALSE((*results[3])[0][1]);
}

TEST_F(ConnectionTest, BatchStopsAtTheFailingStatementAndTheSessionStaysUsable) {
  auto c = pair_->connect("orders");
  c->execute("SET @ran = 0");
  EXPECT_EQ(kind_of([&] {
              c->batch({"SET @ran = 1", "SELECT * FROM no_such_table", "SET @ran = 2"});
            }),
            ErrorKind::kOther);
  EXPECT_EQ(as_int(c->query("SELECT @ran")[0], 0), 1);
}

TEST_F(ConnectionTest, ConstraintsRefuseShortBalancesAndUnknownAccounts) {
  auto c = pair_->connect("payments");
  std::string account = test::unique_name("acct");
  payments::create_account(*c, account, 100);
  EXPECT_EQ(kind_of([&] { payments::create_account(*c, account, 5); }), ErrorKind::kDuplicate);
  try {
    c->batch(payments::capture_sql(999'000'000 + ::getpid(), account, 101, "t"));
    ADD_FAILURE() << "an overdraft was accepted";
  } catch (const DbError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConstraint);
    EXPECT_TRUE(payments::is_short_balance(e.what()));
  }
  try {
    c->batch(payments::capture_sql(999'100'000 + ::getpid(), test::unique_name("ghost"), 1, "t"));
    ADD_FAILURE() << "a payment for a missing account was accepted";
  } catch (const DbError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConstraint);
    EXPECT_FALSE(payments::is_short_balance(e.what()));
  }
  EXPECT_EQ(payments::find_account(*c, account)->balance_cents, 100);
}

TEST_F(ConnectionTest, LockWaitTimesOutAsLockTimeout) {
  auto a = pair_->connect("orders");
  auto b = pair_->connect("orders");
  b->execute("SET SESSION innodb_lock_wait_timeout = 1");
  auto id = orders::create_order(*a, "lock-test", 1);
  a->execute("START TRANSACTION");
  a->query(orders::lock_order_sql(id));
  EXPECT_EQ(kind_of([&] { b->query(orders::lock_order_sql(id)); }), ErrorKind::kLockTimeout);
  a->execute("ROLLBACK");
}

TEST_F(ConnectionTest, AKilledSessionIsConnectionLost) {
  auto victim = pair_->connect("orders");
  auto admin = pair_->connect("orders");
  admin->execute("KILL CONNECTION " + std::to_string(victim->connection_id()));
  EXPECT_EQ(kind_of([&] { victim->ping(); }), ErrorKind::kConnectionLost);
}

TEST_F(ConnectionTest, RefusedConnectIsConnectionLost) {
  Timeouts t;
  t.connect = std::chrono::seconds(1);
  auto endpoint =
      Endpoint::parse("mysql://root@127.0.0.1:" + std::to_string(test::free_port()) + "/xa_orders");
  EXPECT_EQ(kind_of([&] { Connection::open(endpoint, t); }), ErrorKind::kConnectionLost);
}

}  // namespace
}  // namespace xacoord::db
