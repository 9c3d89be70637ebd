#include "protocol/xid.h"

#include <gtest/gtest.h>

namespace xacoord {
namespace {

TEST(Xid, SqlLiteralIsHexSoAnyByteIsSafe) {
  Xid xid{7, std::string("a'b\0c", 5), "q"};
  EXPECT_EQ(xid.to_sql(), "X'6127620063',X'71',7");
}

TEST(Xid, ParsesMariaDbSqlFormatHex) {
  auto xid = parse_sql_xid("X'7861636f6f72643a312d322d33',X'6f7264657273',22595");
  ASSERT_TRUE(xid);
  EXPECT_EQ(xid->gtrid, "xacoord:1-2-3");
  EXPECT_EQ(xid->bqual, "orders");
  EXPECT_EQ(xid->format_id, 22595);
}

TEST(Xid, ParsesQuotedFormWithEscapes) {
  auto xid = parse_sql_xid("'g''1','b\\'1',1481");
  ASSERT_TRUE(xid);
  EXPECT_EQ(xid->gtrid, "g'1");
  EXPECT_EQ(xid->bqual, "b'1");
  EXPECT_EQ(xid->format_id, 1481);
}

TEST(Xid, RoundTripsThroughItsOwnSqlForm) {
  Xid xid{kXacoordFormatId, std::string("\x00\xff'\\", 4), ""};
  auto back = parse_sql_xid(xid.to_sql());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, xid);
}

TEST(Xid, RejectsMalformedText) {
  for (const char* bad : {"", "'g'", "'g',", "X'6',X'',1", "X'zz',X'',1", "'g','b',x",
                          "'g','b',1,2", "'','b',1", "'unterminated"}) {
    EXPECT_FALSE(parse_sql_xid(bad)) << bad;
  }
}

TEST(Xid, RecoverRowSplitsDataByLengths) {
  auto xid = xid_from_recover_row(22595, 13, 6, "xacoord:1-2-3orders");
  ASSERT_TRUE(xid);
  EXPECT_EQ(xid->gtrid, "xacoord:1-2-3");
  EXPECT_EQ(xid->bqual, "orders");
  EXPECT_FALSE(xid_from_recover_row(1, 5, 5, "short"));
  EXPECT_FALSE(xid_from_recover_row(1, 0, 5, "bqual"));
}

}  // namespace
}  // namespace xacoord
