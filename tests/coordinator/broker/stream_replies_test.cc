#include "coordinator/broker/stream_replies.h"

#include <functional>

#include <gtest/gtest.h>

#include "coordinator/broker/broker_error.h"

namespace xacoord::broker {
namespace {

Reply s(std::string v) {
  return Reply::of_string(std::move(v));
}
Reply i(std::int64_t v) {
  return Reply::of_integer(v);
}
Reply a(std::vector<Reply> v) {
  return Reply::of_array(std::move(v));
}
Reply entry(std::string id, std::vector<std::string> kv) {
  std::vector<Reply> fields;
  for (auto& f : kv)
    fields.push_back(s(f));
  return a({s(std::move(id)), a(std::move(fields))});
}

BrokerErrc code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const BrokerError& e) {
    return e.code();
  }
  return BrokerErrc::kServer;
}

TEST(StreamRepliesTest, ReadGroupFindsItsStreamAndTreatsNilAsNothing) {
  Reply r = a(
      {a({s("other"), a({entry("9-0", {"msg_id", "x"})})}),
       a({s("s"), a({entry("1-0", {"msg_id", "m1", "kind", "k"}), a({s("2-0"), Reply::nil()})})})});
  auto got = read_group_from(r, "s");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].id, "1-0");
  ASSERT_NE(got[0].field("kind"), nullptr);
  EXPECT_EQ(*got[0].field("kind"), "k");
  EXPECT_EQ(got[0].field("payload"), nullptr);
  EXPECT_TRUE(got[1].deleted);
  EXPECT_TRUE(read_group_from(Reply::nil(), "s").empty());
}

TEST(StreamRepliesTest, AutoclaimHasCursorEntriesAndDeletedIds) {
  auto c = autoclaim_from(a({s("0-0"), a({entry("3-0", {"msg_id", "a"})}), a({s("2-0")})}));
  EXPECT_EQ(c.next, "0-0");
  ASSERT_EQ(c.entries.size(), 1u);
  EXPECT_EQ(c.entries[0].id, "3-0");
  EXPECT_EQ(c.deleted_ids, std::vector<std::string>{"2-0"});
}

TEST(StreamRepliesTest, PendingSummaryWithAndWithoutEntries) {
  auto p = pending_summary_from(
      a({i(3), s("1-0"), s("5-0"), a({a({s("c1"), s("2")}), a({s("c2"), s("1")})})}));
  EXPECT_EQ(p.count, 3);
  EXPECT_EQ(p.smallest_id, "1-0");
  EXPECT_EQ(p.largest_id, "5-0");
  ASSERT_EQ(p.per_consumer.size(), 2u);
  EXPECT_EQ(p.per_consumer[0], (std::pair<std::string, std::int64_t>{"c1", 2}));
  auto none = pending_summary_from(a({i(0), Reply::nil(), Reply::nil(), Reply::nil()}));
  EXPECT_EQ(none.count, 0);
  EXPECT_FALSE(none.smallest_id.has_value());
}

TEST(StreamRepliesTest, PendingEntriesAndGroups) {
  auto e = pending_entries_from(a({a({s("1-0"), s("c"), i(1500), i(3)})}));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].idle_ms, 1500);
  EXPECT_EQ(e[0].deliveries, 3);
  auto g = groups_from(
      a({a({s("name"), s("g"), s("consumers"), i(2), s("pending"), i(1), s("last-delivered-id"),
            s("7-0"), s("entries-read"), i(7), s("lag"), Reply::nil()})}));
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].name, "g");
  EXPECT_EQ(g[0].consumers, 2);
  EXPECT_EQ(g[0].last_delivered_id, "7-0");
  EXPECT_EQ(g[0].entries_read, 7);
  EXPECT_FALSE(g[0].lag.has_value());
}

TEST(StreamRepliesTest, RepliesOfAnotherShapeAreProtocolErrors) {
  EXPECT_EQ(code_of([] { read_group_from(s("x"), "s"); }), BrokerErrc::kProtocol);
  EXPECT_EQ(code_of([] { entries_from(a({entry("1-0", {"odd"})}), "XRANGE"); }),
            BrokerErrc::kProtocol);
  EXPECT_EQ(code_of([] { pending_summary_from(a({i(1)})); }), BrokerErrc::kProtocol);
  EXPECT_EQ(code_of([] { integer_from(s("12x"), "XLEN"); }), BrokerErrc::kProtocol);
  EXPECT_EQ(code_of([] { publish_result_from(a({i(1)})); }), BrokerErrc::kProtocol);
  EXPECT_EQ(code_of([] { groups_from(a({a({s("pending"), i(1)})})); }), BrokerErrc::kProtocol);
}

TEST(StreamRepliesTest, EntryIdsCompareAsNumbers) {
  EXPECT_LT(*parse_entry_id("9-0"), *parse_entry_id("10-0"));
  EXPECT_LT(*parse_entry_id("10-2"), *parse_entry_id("10-10"));
  EXPECT_EQ(to_string(*parse_entry_id("123-45")), "123-45");
  for (const char* bad : {"", "1", "-1", "1-", "a-1", "1-1x", "1--1"}) {
    EXPECT_FALSE(parse_entry_id(bad).has_value()) << bad;
  }
}

GroupInfo group(std::string last) {
  GroupInfo g;
  g.name = "g";
  g.last_delivered_id = std::move(last);
  return g;
}
PendingSummary pending(std::optional<std::string> smallest) {
  PendingSummary p;
  p.count = smallest ? 1 : 0;
  p.smallest_id = std::move(smallest);
  return p;
}

TEST(StreamRepliesTest, TrimPointStaysBelowEveryGroupsUnacknowledgedEntries) {
  EXPECT_FALSE(safe_trim_point({}, {}).has_value()) << "no group yet";
  // All acknowledged up to 7-0: cut just above it.
  EXPECT_EQ(safe_trim_point({group("7-0")}, {pending(std::nullopt)}), (EntryId{7, 1}));
  // Pending 3-0 in one group, the other group is further: 3-0 is the limit.
  EXPECT_EQ(safe_trim_point({group("9-0"), group("12-0")}, {pending("3-0"), pending(std::nullopt)}),
            (EntryId{3, 0}));
  // A group that has read nothing holds everything.
  EXPECT_EQ(safe_trim_point({group("0-0"), group("12-0")},
                            {pending(std::nullopt), pending(std::nullopt)}),
            (EntryId{0, 1}));
  EXPECT_FALSE(safe_trim_point({group("junk")}, {pending(std::nullopt)}).has_value());
}

}  // namespace
}  // namespace xacoord::broker
