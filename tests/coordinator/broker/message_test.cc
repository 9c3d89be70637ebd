#include "coordinator/broker/message.h"

#include <stdexcept>

#include <gtest/gtest.h>

namespace xacoord::broker {
namespace {

TEST(MessageTest, RoundTripsThroughAStreamEntry) {
  Message m{"orders:42", "charge", "{\"order_id\":42}", "2026-01-02 03:04:05.000006"};
  StreamEntry e{"1-0", {}, false};
  auto fields = to_fields(m);
  ASSERT_EQ(fields.size(), 8u);
  for (std::size_t i = 0; i < fields.size(); i += 2)
    e.fields.emplace_back(fields[i], fields[i + 1]);
  auto back = message_from(e);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->msg_id, m.msg_id);
  EXPECT_EQ(back->kind, m.kind);
  EXPECT_EQ(back->payload, m.payload);
  EXPECT_EQ(back->created_at, m.created_at);
}

TEST(MessageTest, EntriesThatAreNotOursAreNoMessage) {
  EXPECT_FALSE(message_from(StreamEntry{"1-0", {{"payload", "x"}}, false}).has_value());
  EXPECT_FALSE(message_from(StreamEntry{"1-0", {{"msg_id", "a"}}, false}).has_value());
  EXPECT_FALSE(message_from(StreamEntry{"1-0", {}, true}).has_value());
}

TEST(MessageTest, ValidationNamesTheBadField) {
  EXPECT_NO_THROW(validate(Message{"a", "k", "", ""}));
  auto fails_on = [](const Message& m) -> std::string {
    try {
      validate(m);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(fails_on(Message{"", "k", "", ""}).find("msg_id"), std::string::npos);
  EXPECT_NE(fails_on(Message{"has space", "k", "", ""}).find("msg_id"), std::string::npos);
  EXPECT_NE(fails_on(Message{std::string(65, 'a'), "k", "", ""}).find("msg_id"), std::string::npos);
  EXPECT_NE(fails_on(Message{"a", "Charge", "", ""}).find("kind"), std::string::npos);
  EXPECT_NE(fails_on(Message{"a", "", "", ""}).find("kind"), std::string::npos);
  EXPECT_NE(fails_on(Message{"a", "k", std::string(64 * 1024 + 1, 'x'), ""}).find("payload"),
            std::string::npos);
}

TEST(MessageTest, StreamNamesCarryTheirPrefix) {
  auto n = StreamNames::with_prefix();
  EXPECT_EQ(n.to_orders, "xacoord:to-orders");
  EXPECT_EQ(n.to_payments, "xacoord:to-payments");
  EXPECT_EQ(StreamNames::with_prefix("run7").to_payments, "run7:to-payments");
}

}  // namespace
}  // namespace xacoord::broker
