// The outbox and inbox statements against the real MariaDB pair: a message exists exactly
// when its change does, relays claim disjoint rows without blocking producers, a dead
// relay's rows come back, and a message delivered twice is applied once.
#include "participants/outbox_sql.h"

#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "participants/db_error.h"
#include "tests/support/db_pair.h"
#include "tests/support/test_env.h"

namespace xacoord::db::outbox {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

class OutboxSqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = test::DbPair::shared();
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
    // Every test has topics of its own: other tests share these tables.
    topic_ = test::unique_name("t");
  }
  std::unique_ptr<Connection> orders() { return pair_->connect("orders"); }

  void write(Connection& c, int n, const std::string& topic) {
    for (int i = 0; i < n; ++i) {
      c.execute(insert_sql(std::nullopt, topic, "test", "{\"n\":" + std::to_string(i) + "}"));
    }
  }
  static std::vector<OutboxRow> claim(Connection& c, const std::string& topic, int limit) {
    auto results = c.batch(claim_sql(topic, limit));
    return claimed_from(*results[2]);
  }
  static DbError error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const DbError& e) {
      return e;
    }
    ADD_FAILURE() << "no DbError";
    return DbError(ErrorKind::kOther, 0, "none");
  }

  std::unique_ptr<test::DbPair> pair_;
  std::string topic_;
};

TEST_F(OutboxSqlTest, AMessageExistsExactlyWhenItsTransactionCommitted) {
  auto c = orders();
  c->batch({"START TRANSACTION", insert_sql(std::nullopt, topic_, "charge", "{}"), "ROLLBACK"});
  EXPECT_EQ(backlog_from(c->query(unpublished_sql(topic_))).unpublished, 0);
  c->batch(
      {"START TRANSACTION", insert_sql(std::nullopt, topic_, "charge", "{\"a\":1}"), "COMMIT"});
  auto row = row_from(c->query(find_sql(c->last_insert_id())));
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->topic, topic_);
  EXPECT_EQ(row->kind, "charge");
  EXPECT_EQ(row->payload, "{\"a\":1}");
  EXPECT_EQ(row->msg_id.size(), 36u) << "named by the column's UUID() default: " << row->msg_id;
  EXPECT_EQ(row->created_at.size(), 26u) << row->created_at;
  auto backlog = backlog_from(c->query(unpublished_sql(topic_)));
  EXPECT_EQ(backlog.unpublished, 1);
  ASSERT_TRUE(backlog.oldest_age_ms.has_value());
  EXPECT_GE(*backlog.oldest_age_ms, 0);
}

TEST_F(OutboxSqlTest, AMessageIdIsWrittenOnceAndItsDuplicateIsRecognised) {
  auto c = orders();
  std::string id = test::unique_name("m");
  c->execute(insert_sql(id, topic_, "charge", "{}"));
  DbError e = error_of([&] { c->execute(insert_sql(id, topic_, "charge", "{}")); });
  EXPECT_TRUE(is_duplicate_outbox_message(e)) << e.what();
  EXPECT_FALSE(is_duplicate_inbox_message(e));
}

TEST_F(OutboxSqlTest, TwoRelaysClaimDisjointRowsAndMarkOnlyWhatWasPublished) {
  auto producer = orders();
  write(*producer, 6, topic_);
  auto a = orders();
  auto b = orders();
  auto first = claim(*a, topic_, 4);
  auto second = claim(*b, topic_, 4);
  ASSERT_EQ(first.size(), 4u);
  ASSERT_EQ(second.size(), 2u) << "SKIP LOCKED: b gets only what a does not hold";
  for (const auto& r : first) {
    for (const auto& s : second)
      EXPECT_NE(r.id, s.id);
  }
  EXPECT_LT(first[0].id, first[3].id) << "oldest first";
  // a published 3 of its 4; b reached Redis with none.
  a->batch(finish_claim_sql({{first[0].id, "1-0"}, {first[1].id, "1-1"}, {first[2].id, "2-0"}}));
  b->execute(release_claim_sql());
  EXPECT_EQ(backlog_from(producer->query(unpublished_sql(topic_))).unpublished, 3);
  auto published =
      producer->query("SELECT stream_entry_id, published_at IS NOT NULL FROM outbox WHERE id = " +
                      std::to_string(first[1].id));
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(as_string(published[0], 0), "1-1") << "the stream entry id is kept with the row";
  EXPECT_EQ(as_int(published[0], 1), 1);
  auto again = claim(*a, topic_, 10);
  EXPECT_EQ(again.size(), 3u);
  a->execute(release_claim_sql());
}

TEST_F(OutboxSqlTest, ARelayThatDiesReleasesItsRowsWithItsConnection) {
  auto producer = orders();
  write(*producer, 3, topic_);
  auto relay = orders();
  EXPECT_EQ(claim(*relay, topic_, 10).size(), 3u);
  auto other = orders();
  EXPECT_TRUE(claim(*other, topic_, 10).empty()) << "held by the live relay";
  other->execute(release_claim_sql());
  relay.reset();  // the connection closes: the server rolls the claim back
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(claim(*other, topic_, 10).size(), 3u);
  other->execute(release_claim_sql());
}

TEST_F(OutboxSqlTest, AnOpenClaimDoesNotBlockProducers) {
  auto producer = orders();
  write(*producer, 2, topic_);
  auto relay = orders();
  EXPECT_EQ(claim(*relay, topic_, 10).size(), 2u);  // reached the end of the topic's rows
  producer->execute("SET SESSION innodb_lock_wait_timeout = 1");
  auto started = Clock::now();
  EXPECT_NO_THROW(write(*producer, 1, topic_));
  EXPECT_LT(Clock::now() - started, 500ms);
  relay->execute(release_claim_sql());
}

// Why the claim runs in READ COMMITTED: the same locking read under REPEATABLE READ blocks
// a producer's insert behind the relay (a next-key lock past the last unpublished row).
TEST_F(OutboxSqlTest, TheSameClaimUnderRepeatableReadWouldBlockProducers) {
  auto producer = orders();
  write(*producer, 2, topic_);
  auto relay = orders();
  auto statements = claim_sql(topic_, 10);
  ASSERT_NE(statements[0].find("READ COMMITTED"), std::string::npos);
  statements[0] = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ";
  EXPECT_EQ(claimed_from(*relay->batch(statements)[2]).size(), 2u);
  producer->execute("SET SESSION innodb_lock_wait_timeout = 1");
  DbError e = error_of([&] { write(*producer, 1, topic_); });
  EXPECT_EQ(e.kind(), ErrorKind::kLockTimeout) << e.what();
  relay->execute(release_claim_sql());
}

TEST_F(OutboxSqlTest, AMessageDeliveredTwiceIsAppliedOnce) {
  auto consumer = orders();
  std::string msg = test::unique_name("m");
  std::string account = test::unique_name("inbox");
  // The message's effect and its inbox row travel in one transaction, one round trip.
  std::vector<std::string> apply = {
      "START TRANSACTION",
      record_inbox_sql(msg, topic_, "7-0"),
      "INSERT INTO orders (account_id, amount_cents, status) VALUES ('" + account +
          "', 100, 'PENDING')",
      "COMMIT",
  };
  consumer->batch(apply);
  DbError e = error_of([&] { consumer->batch(apply); });
  EXPECT_TRUE(is_duplicate_inbox_message(e)) << e.what();
  EXPECT_FALSE(is_duplicate_outbox_message(e));
  consumer->execute("ROLLBACK");
  auto rows = consumer->query("SELECT COUNT(*) FROM orders WHERE account_id = '" + account + "'");
  EXPECT_EQ(as_int(rows[0], 0), 1);
  EXPECT_EQ(consumer->query(inbox_contains_sql(msg)).size(), 1u);
}

TEST_F(OutboxSqlTest, AConcurrentSecondDeliveryWaitsForTheFirstAndFindsTheDuplicate) {
  std::string msg = test::unique_name("m");
  auto first = orders();
  first->batch({"START TRANSACTION", record_inbox_sql(msg, topic_, "1-0")});
  std::optional<DbError> second_error;
  Clock::time_point second_done;
  std::thread second([&] {
    auto c = orders();
    try {
      c->batch({"START TRANSACTION", record_inbox_sql(msg, topic_, "1-0")});
    } catch (const DbError& e) {
      second_error = e;
    }
    second_done = Clock::now();
    c->execute("ROLLBACK");
  });
  std::this_thread::sleep_for(300ms);
  auto committed = Clock::now();
  first->execute("COMMIT");
  second.join();
  ASSERT_TRUE(second_error.has_value()) << "the second delivery must not apply";
  EXPECT_TRUE(is_duplicate_inbox_message(*second_error)) << second_error->what();
  EXPECT_GE(second_done, committed) << "it waited for the first to decide";
}

TEST_F(OutboxSqlTest, ASecondDeliveryAppliesIfTheFirstRolledBack) {
  std::string msg = test::unique_name("m");
  auto first = orders();
  first->batch({"START TRANSACTION", record_inbox_sql(msg, topic_, "1-0")});
  first->execute("ROLLBACK");  // the first consumer failed before committing
  auto second = orders();
  EXPECT_NO_THROW(
      second->batch({"START TRANSACTION", record_inbox_sql(msg, topic_, "1-0"), "COMMIT"}));
  EXPECT_EQ(second->query(inbox_contains_sql(msg)).size(), 1u);
}

TEST_F(OutboxSqlTest, PurgesTakeOnlyOldRows) {
  auto c = orders();
  write(*c, 2, topic_);
  auto claimed = claim(*c, topic_, 10);
  c->batch(finish_claim_sql({{claimed[0].id, "3-0"}}));
  c->execute("UPDATE outbox SET published_at = NOW(6) - INTERVAL 2 DAY WHERE id = " +
             std::to_string(claimed[0].id));
  EXPECT_GE(c->execute(purge_published_sql(std::chrono::hours(24), 1000)), 1);
  EXPECT_FALSE(row_from(c->query(find_sql(claimed[0].id))).has_value());
  EXPECT_TRUE(row_from(c->query(find_sql(claimed[1].id))).has_value()) << "unpublished stays";
  std::string old_msg = test::unique_name("m");
  std::string new_msg = test::unique_name("m");
  c->execute(record_inbox_sql(old_msg, topic_, "1-0"));
  c->execute(record_inbox_sql(new_msg, topic_, "1-1"));
  c->execute("UPDATE inbox SET processed_at = NOW(6) - INTERVAL 2 DAY WHERE msg_id = '" + old_msg +
             "'");
  EXPECT_GE(c->execute(purge_inbox_sql(std::chrono::hours(24), 1000)), 1);
  EXPECT_TRUE(c->query(inbox_contains_sql(old_msg)).empty());
  EXPECT_EQ(c->query(inbox_contains_sql(new_msg)).size(), 1u) << "a fresh inbox row stays";
}

}  // namespace
}  // namespace xacoord::db::outbox
