// The non-blocking session (participants/async_session.h) against the real MariaDB pair:
// what the Session seam promises (participants/session.h) — results per statement, the
// first failure stops the batch, batches in the order they started, reconnect after a
// lost or timed-out connection, a failed connect is no_session(), close() before later
// batches — and what opening_sql adds: identity and registration.
#include "participants/async_session.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "participants/db_error.h"
#include "participants/xa_sql.h"
#include "protocol/txn_id.h"
#include "tests/support/db_pair.h"

namespace xacoord::db {
namespace {

namespace asio = boost::asio;

class AsyncSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = test::DbPair::shared();
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
    endpoint_ = Endpoint::parse(pair_->orders_url());
  }
  template <typename Body>
  void run(Body body) {
    auto done = asio::co_spawn(io_, body(), asio::use_future);
    io_.run();
    io_.restart();
    done.get();
  }
  static asio::awaitable<std::int64_t> number(Session& s, std::string sql) {
    Rows rows = co_await query(s, std::move(sql));
    co_return single_int(rows);
  }
  static asio::awaitable<std::string> text(Session& s, std::string sql) {
    Rows rows = co_await query(s, std::move(sql));
    co_return rows.empty() || !rows[0][0] ? std::string("NULL") : *rows[0][0];
  }
  asio::io_context io_;
  std::unique_ptr<test::DbPair> pair_;
  Endpoint endpoint_;
};

TEST_F(AsyncSessionTest, ABatchAnswersPerStatementAndKnowsWhoItIs) {
  AsyncSessionFactory factory("orders", endpoint_, Timeouts{}, SessionOwner{"asynct", "run-a"});
  auto session = factory.make_session("test");
  run([&]() -> asio::awaitable<void> {
    EXPECT_FALSE(session->server_session());  // connects at its first batch
    std::vector<std::string> sql{"SET @a = 7", "SELECT @a, NULL, 'x''y'", "DO 1",
                                 "SELECT CONNECTION_ID()"};
    Results r = co_await session->batch(sql);
    EXPECT_EQ(r.size(), 4u);
    EXPECT_FALSE(r[0]);
    EXPECT_EQ(r[1]->rows.at(0).at(0), std::optional<std::string>("7"));
    EXPECT_EQ(r[1]->rows.at(0).at(1), std::nullopt);
    EXPECT_EQ(r[1]->rows.at(0).at(2), std::optional<std::string>("x'y"));
    EXPECT_FALSE(r[2]);
    const std::int64_t id = single_int(*r[3]);
    EXPECT_EQ(session->server_session_id(), id);
    EXPECT_EQ(session->last_server_session(), session->server_session());
    EXPECT_FALSE(session->server_session().client.empty());
    // opening_sql registered it under its node and run, with its client address.
    auto registered = co_await number(
        *session,
        "SELECT COUNT(*) FROM xacoord_sessions WHERE node_id = 'asynct' AND run = "
        "'run-a' AND connection_id = " +
            std::to_string(id) + " AND client = '" + session->server_session().client + "'");
    EXPECT_EQ(registered, 1);
    // The innodb_lock_wait_timeout of opening_sql.
    EXPECT_EQ(co_await number(*session, "SELECT @@SESSION.innodb_lock_wait_timeout"),
              Timeouts{}.lock_wait_seconds);
  });
}

TEST_F(AsyncSessionTest, TheFirstFailureStopsTheBatchAndTheSessionStaysUsable) {
  AsyncSessionFactory factory("orders", endpoint_, Timeouts{});
  auto session = factory.make_session("test");
  run([&]() -> asio::awaitable<void> {
    std::int64_t id = co_await number(*session, "SELECT CONNECTION_ID()");
    bool failed = false;
    try {
      std::vector<std::string> sql{"SET @b = 1", "SELECT * FROM no_such_table", "SET @b = 2"};
      co_await session->batch(sql);
    } catch (const DbError& e) {
      failed = true;
      EXPECT_FALSE(e.connection_unusable()) << e.what();
      EXPECT_EQ(e.code(), 1146);
    }
    EXPECT_TRUE(failed);
    EXPECT_EQ(co_await number(*session, "SELECT @b"), 1);  // the third statement never ran
    EXPECT_EQ(co_await number(*session, "SELECT CONNECTION_ID()"), id);  // same connection
  });
}

TEST_F(AsyncSessionTest, BatchesRunOneAtATimeInTheOrderTheyStarted) {
  AsyncSessionFactory factory("orders", endpoint_, Timeouts{});
  auto session = factory.make_session("test");
  std::vector<std::string> seen;
  // Three coroutines start a batch on one session at once; the first is slow. Interleaved
  // on one connection they would break the protocol; out of order, seen would differ.
  for (int i = 0; i < 3; ++i) {
    asio::co_spawn(
        io_,
        [&, i]() -> asio::awaitable<void> {
          std::vector<std::string> sql{
              i == 0 ? "DO SLEEP(0.3)" : "DO 1",
              "SET @order = CONCAT(IFNULL(@order, ''), '" + std::to_string(i) + "')",
              "SELECT @order"};
          Results r = co_await session->batch(sql);
          seen.push_back(*r[2]->rows.at(0).at(0));
        },
        asio::detached);
  }
  io_.run();
  io_.restart();
  EXPECT_EQ(seen, (std::vector<std::string>{"0", "01", "012"}));
}

TEST_F(AsyncSessionTest, AKilledConnectionFailsItsBatchAndTheNextBatchReconnects) {
  AsyncSessionFactory factory("orders", endpoint_, Timeouts{});
  auto victim = factory.make_session("victim");
  auto killer = factory.make_session("killer");
  run([&]() -> asio::awaitable<void> {
    std::int64_t first = co_await number(*victim, "SELECT CONNECTION_ID()");
    ServerSession before = victim->server_session();
    co_await execute(*killer, "KILL CONNECTION " + std::to_string(first));
    bool lost = false;
    try {
      co_await execute(*victim, "DO 1");
    } catch (const DbError& e) {
      lost = e.connection_unusable();
    }
    EXPECT_TRUE(lost);
    EXPECT_FALSE(victim->server_session());            // closed now
    EXPECT_EQ(victim->last_server_session(), before);  // what recovery would end
    std::int64_t second = co_await number(*victim, "SELECT CONNECTION_ID()");
    EXPECT_NE(first, second);
  });
}

TEST_F(AsyncSessionTest, ABatchPastTheReadTimeoutEndsItsConnection) {
  Timeouts quick;
  quick.read = std::chrono::seconds(1);
  AsyncSessionFactory factory("orders", endpoint_, quick);
  auto session = factory.make_session("test");
  run([&]() -> asio::awaitable<void> {
    std::int64_t first = co_await number(*session, "SELECT CONNECTION_ID()");
    std::optional<ErrorKind> kind;
    try {
      co_await execute(*session, "DO SLEEP(4)");
    } catch (const DbError& e) {
      kind = e.kind();
    }
    EXPECT_EQ(kind, ErrorKind::kTimeout);
    EXPECT_NE(co_await number(*session, "SELECT CONNECTION_ID()"), first);
  });
}

TEST_F(AsyncSessionTest, ACloseRollsBackAnUnpreparedBranchAndKeepsAPreparedOne) {
  AsyncSessionFactory factory("orders", endpoint_, Timeouts{});
  auto session = factory.make_session("test");
  auto other = factory.make_session("other");
  const Xid open = branch_xid(TxnId{"asynct", 1, 1}, "orders");
  const Xid prepared = branch_xid(TxnId{"asynct", 1, 2}, "orders");
  run([&]() -> asio::awaitable<void> {
    std::vector<std::string> start{xa::start(open), "DO 1"};
    co_await session->batch(start);
    session->close();                                 // before the next batch, which reconnects
    co_await execute(*session, xa::start(prepared));  // XAER_OUTSIDE if the old one were open
    std::vector<std::string> finish{xa::end(prepared), xa::prepare(prepared)};
    co_await session->batch(finish);
    session->close();
    Rows recovered = co_await query(*other, xa::recover());
    auto listed = xa::parse_recover(recovered);
    bool has_prepared = false, has_open = false;
    for (const auto& x : listed) {
      has_prepared |= x == prepared;
      has_open |= x == open;
    }
    EXPECT_TRUE(has_prepared);
    EXPECT_FALSE(has_open);
    // MariaDB answers the rollback of a branch whose session is gone with XA_RBROLLBACK
    // (1402) once it has rolled it back; gone from XA RECOVER either way.
    try {
      co_await execute(*other, xa::rollback(prepared));
    } catch (const DbError& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kRolledBack) << e.what();
    }
    Rows after = co_await query(*other, xa::recover());
    for (const auto& x : xa::parse_recover(after))
      EXPECT_FALSE(x == prepared);
  });
}

TEST_F(AsyncSessionTest, AFailedConnectIsNoSession) {
  Endpoint nowhere = endpoint_;
  nowhere.port = 1;  // nothing listens there
  AsyncSessionFactory factory("orders", nowhere, Timeouts{});
  auto session = factory.make_session("test");
  run([&]() -> asio::awaitable<void> {
    bool no_session = false;
    try {
      co_await execute(*session, "DO 1");
    } catch (const DbError& e) {
      no_session = e.no_session() && e.kind() == ErrorKind::kConnectionLost;
    }
    EXPECT_TRUE(no_session);
    EXPECT_FALSE(session->server_session());
  });
}

}  // namespace
}  // namespace xacoord::db
