#include "coordinator/broker/broker_error.h"

#include <gtest/gtest.h>

namespace xacoord::broker {
namespace {

TEST(BrokerErrorTest, ErrorRepliesKeepTheirCodeAndSayTheCommandTookNoEffect) {
  auto e = error_from_reply("XREADGROUP", "NOGROUP No such key 's' or consumer group 'g'");
  EXPECT_EQ(e.code(), BrokerErrc::kServer);
  EXPECT_EQ(e.server_code(), "NOGROUP");
  EXPECT_TRUE(e.is_server_error("NOGROUP"));
  EXPECT_FALSE(e.outcome_unknown());
  EXPECT_NE(std::string(e.what()).find("XREADGROUP"), std::string::npos);
}

TEST(BrokerErrorTest, ARedisThatIsNotReadyIsUnavailable) {
  for (const char* text : {"LOADING Redis is loading the dataset in memory",
                           "BUSY Redis is busy running a script", "MASTERDOWN Link down"}) {
    EXPECT_EQ(error_from_reply("XADD", text).code(), BrokerErrc::kUnavailable) << text;
  }
}

TEST(BrokerErrorTest, OnlyLostAndTimedOutCallsHaveAnUnknownOutcome) {
  EXPECT_TRUE(BrokerError(BrokerErrc::kConnectionLost, "x").outcome_unknown());
  EXPECT_TRUE(BrokerError(BrokerErrc::kTimeout, "x").outcome_unknown());
  EXPECT_FALSE(BrokerError(BrokerErrc::kUnavailable, "x").outcome_unknown());
  EXPECT_FALSE(BrokerError(BrokerErrc::kProtocol, "x").outcome_unknown());
  EXPECT_EQ(name_of(BrokerErrc::kTimeout), "timeout");
}

}  // namespace
}  // namespace xacoord::broker
