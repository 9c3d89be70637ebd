#include "protocol/txn_id.h"

#include <gtest/gtest.h>

namespace xacoord {
namespace {

TEST(TxnId, FormatsAndParses) {
  TxnId id{"n_1", 7, 42};
  EXPECT_EQ(id.to_string(), "n_1-7-42");
  EXPECT_EQ(TxnId::parse("n_1-7-42"), id);
}

TEST(TxnId, RejectsWhatIsNotAnId) {
  for (const char* bad : {"", "1", "1-2", "1-2-", "-2-3", "a-b-c", "1-02-3", "1-2-3-4", "n.1-2-3",
                          "abcdefghijklm-1-1", "1-2-99999999999999999999999"}) {
    EXPECT_FALSE(TxnId::parse(bad)) << bad;
  }
}

TEST(TxnId, BranchXidsCarryFormatIdPrefixAndParticipant) {
  TxnId id{"1", 3, 9};
  Xid xid = branch_xid(id, "payments");
  EXPECT_EQ(xid.format_id, kXacoordFormatId);
  EXPECT_EQ(xid.gtrid, "xacoord:1-3-9");
  EXPECT_EQ(xid.bqual, "payments");
  EXPECT_EQ(txn_of_xid(xid), id);
}

TEST(TxnId, ForeignXidsAreNotOurs) {
  EXPECT_FALSE(txn_of_xid(Xid{1481, "xacoord:1-3-9", "orders"}));  // another format id
  EXPECT_FALSE(txn_of_xid(Xid{kXacoordFormatId, "other:1-3-9", "orders"}));
  EXPECT_FALSE(txn_of_xid(Xid{kXacoordFormatId, "xacoord:garbage", "orders"}));
}

TEST(TxnId, LongestIdsFitInAGtrid) {
  TxnId id{std::string(kMaxNodeIdBytes, 'n'), UINT64_MAX, UINT64_MAX};
  EXPECT_LE(branch_xid(id, "orders").gtrid.size(), kMaxGtridBytes);
}

}  // namespace
}  // namespace xacoord
