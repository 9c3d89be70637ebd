// Who a session is on its server (participants/server_session.h): the versions that keep
// prepared branches across a disconnect (issue 13, finding 5), and the opening batch.
#include "participants/server_session.h"

#include <gtest/gtest.h>

namespace xacoord::db {
namespace {

TEST(ServerVersion, MariaDbKeepsPreparedBranchesFrom10_5) {
  EXPECT_TRUE(keeps_prepared_branches("10.11.6-MariaDB-0+deb12u1"));
  EXPECT_TRUE(keeps_prepared_branches("10.5.0-MariaDB"));
  EXPECT_TRUE(keeps_prepared_branches("11.4.2-MariaDB"));
  EXPECT_FALSE(keeps_prepared_branches("10.4.32-MariaDB"));
  EXPECT_FALSE(keeps_prepared_branches("10.3.39-MariaDB-0+deb10u1"));
  EXPECT_FALSE(keeps_prepared_branches("5.5.68-MariaDB"));
}

TEST(ServerVersion, MySqlKeepsPreparedBranchesFrom5_7_7) {
  EXPECT_TRUE(keeps_prepared_branches("8.0.36"));
  EXPECT_TRUE(keeps_prepared_branches("5.7.7"));
  EXPECT_TRUE(keeps_prepared_branches("5.7.44-log"));
  EXPECT_FALSE(keeps_prepared_branches("5.7.6"));
  EXPECT_FALSE(keeps_prepared_branches("5.6.51"));
}

TEST(ServerVersion, AnOldServerIsRefusedWithAMessageThatSaysWhy) {
  Results results(2);
  results[1] = Rows{{Row{"42", "127.0.0.1:5000", "10.4.32-MariaDB"}}};
  try {
    opened_session(results, "127.0.0.1:3317");
    FAIL() << "an old server was accepted";
  } catch (const UnsupportedServer& e) {
    EXPECT_NE(std::string(e.what()).find("10.4.32"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:3317"), std::string::npos) << e.what();
  }
  results[1] = Rows{{Row{"42", "127.0.0.1:5000", "10.11.6-MariaDB"}}};
  EXPECT_EQ(opened_session(results, "x"), (ServerSession{42, "127.0.0.1:5000"}));
}

TEST(ServerSessionSql, OnlyACoordinatorsSessionsRegister) {
  EXPECT_EQ(opening_sql(Timeouts{}, std::nullopt).size(), 2u);
  auto sql = opening_sql(Timeouts{}, SessionOwner{"n1", "abc"});
  ASSERT_EQ(sql.size(), 4u);
  EXPECT_NE(sql[3].find("'n1'"), std::string::npos);
  EXPECT_NE(sql[3].find("'abc'"), std::string::npos);
}

}  // namespace
}  // namespace xacoord::db
