// The outbox statements' text and their refusals, without a database.
#include "participants/outbox_sql.h"

#include <stdexcept>

#include <gtest/gtest.h>

namespace xacoord::db::outbox {
namespace {

TEST(OutboxSqlUnitTest, RefusesMessagesTheRelayCouldNeverPublish) {
  EXPECT_NO_THROW(insert_sql(std::string("m-1"), "xacoord:to-payments", "charge", "{}"));
  EXPECT_THROW(insert_sql(std::string(""), "t", "k", ""), std::invalid_argument);
  EXPECT_THROW(insert_sql(std::string("has space"), "t", "k", ""), std::invalid_argument);
  EXPECT_THROW(insert_sql(std::string(65, 'm'), "t", "k", ""), std::invalid_argument);
  EXPECT_THROW(insert_sql(std::nullopt, "", "k", ""), std::invalid_argument);
  EXPECT_THROW(insert_sql(std::nullopt, "t", "", ""), std::invalid_argument);
  EXPECT_THROW(insert_sql(std::nullopt, "t", "Charge", ""), std::invalid_argument);
  EXPECT_THROW(insert_sql(std::nullopt, "t", "k", std::string(64 * 1024 + 1, 'x')),
               std::invalid_argument);
  EXPECT_THROW(record_inbox_sql("", "t", ""), std::invalid_argument);
  EXPECT_THROW(claim_sql(std::nullopt, 0), std::invalid_argument);
}

TEST(OutboxSqlUnitTest, PayloadTravelsAsHexSoAnyBytesAreSafe) {
  auto sql = insert_sql(std::nullopt, "t", "k", std::string("'); DROP TABLE x; --\0", 21));
  EXPECT_EQ(sql.find("DROP"), std::string::npos) << sql;
  EXPECT_NE(sql.find("X'"), std::string::npos) << sql;
}

TEST(OutboxSqlUnitTest, TheClaimIsAReadCommittedSkipLockedRead) {
  auto all = claim_sql(std::nullopt, 50);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0], "SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
  EXPECT_EQ(all[1], "START TRANSACTION");
  EXPECT_NE(all[2].find("published_at IS NULL ORDER BY id LIMIT 50 FOR UPDATE SKIP LOCKED"),
            std::string::npos)
      << all[2];
  EXPECT_NE(claim_sql(std::string("a"), 5)[2].find("AND topic = 'a'"), std::string::npos);
  auto finish = finish_claim_sql({{7, "1-0"}});
  ASSERT_EQ(finish.size(), 2u);
  EXPECT_NE(finish[0].find("WHERE id = 7 AND published_at IS NULL"), std::string::npos);
  EXPECT_EQ(finish[1], "COMMIT");
}

}  // namespace
}  // namespace xacoord::db::outbox
