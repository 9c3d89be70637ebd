#include "coordinator/broker/stream_commands.h"

#include <stdexcept>

#include <gtest/gtest.h>

namespace xacoord::broker {
namespace {

using namespace std::chrono_literals;
using C = Command;

TEST(StreamCommandsTest, PublishRunsTheScriptOnTheStreamAndItsDedupeKey) {
  auto c = publish_command("s", Message{"m1", "charge", "{}", "t"}, 60s);
  ASSERT_EQ(c.size(), 14u);
  EXPECT_EQ(c[0], "EVAL");
  EXPECT_NE(c[1].find("redis.call('XADD', KEYS[1]"), std::string::npos);
  // The key is set after XADD: a failure between them can only cause a duplicate.
  EXPECT_LT(c[1].find("'XADD'"), c[1].find("'SET'"));
  EXPECT_EQ((C{c[2], c[3], c[4], c[5]}), (C{"2", "s", "s:published:m1", "60"}));
  EXPECT_EQ((C(c.begin() + 6, c.end())),
            (C{"msg_id", "m1", "kind", "charge", "payload", "{}", "created_at", "t"}));
  EXPECT_THROW(publish_command("s", Message{"", "k", "", ""}, 60s), std::invalid_argument);
  EXPECT_THROW(publish_command("s", Message{"m", "k", "", ""}, 0s), std::invalid_argument);
}

TEST(StreamCommandsTest, GroupCommandsSayWhatTheyMean) {
  EXPECT_EQ(create_group_command("s", "g"), (C{"XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"}));
  EXPECT_EQ(
      read_group_command("s", "g", "c", 10, 500ms),
      (C{"XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "BLOCK", "500", "STREAMS", "s", ">"}));
  EXPECT_EQ(read_group_command("s", "g", "c", 5, std::nullopt, "0"),
            (C{"XREADGROUP", "GROUP", "g", "c", "COUNT", "5", "STREAMS", "s", "0"}));
  EXPECT_EQ(ack_command("s", "g", {"1-0", "2-0"}), (C{"XACK", "s", "g", "1-0", "2-0"}));
  EXPECT_EQ(autoclaim_command("s", "g", "c", 30000ms, "0-0", 64),
            (C{"XAUTOCLAIM", "s", "g", "c", "30000", "0-0", "COUNT", "64"}));
  EXPECT_EQ(pending_entries_command("s", "g", 10, 1000ms, "c"),
            (C{"XPENDING", "s", "g", "IDLE", "1000", "-", "+", "10", "c"}));
  EXPECT_EQ(trim_command("s", EntryId{5, 1}), (C{"XTRIM", "s", "MINID", "5-1"}));
}

TEST(StreamCommandsTest, RefusesCommandsThatWouldHangOrDoNothing) {
  EXPECT_THROW(read_group_command("s", "g", "c", 10, 0ms), std::invalid_argument);
  EXPECT_THROW(read_group_command("s", "g", "c", 0, std::nullopt), std::invalid_argument);
  EXPECT_THROW(ack_command("s", "g", {}), std::invalid_argument);
  EXPECT_THROW(autoclaim_command("s", "g", "c", 1ms, "0-0", 0), std::invalid_argument);
}

}  // namespace
}  // namespace xacoord::broker
