// The outbox architecture's messages: ids, kinds and payloads survive the trip, and what
// is not one of them is recognised (the consumer parks it instead of looping on it).
#include "coordinator/architectures/outbox/outbox_messages.h"

#include <gtest/gtest.h>

namespace xacoord::outbox {
namespace {

TEST(OutboxMessagesTest, PayloadRoundTrips) {
  Payload p{42, "alice", 1299, "n1-3-7", "insufficient_funds"};
  auto back = payload_from(to_text(p));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->order_id, 42);
  EXPECT_EQ(back->account_id, "alice");
  EXPECT_EQ(back->amount_cents, 1299);
  EXPECT_EQ(back->txn_id, "n1-3-7");
  EXPECT_EQ(back->reason, "insufficient_funds");
}

TEST(OutboxMessagesTest, KindsAndIds) {
  for (Kind k : {Kind::kCharge, Kind::kCharged, Kind::kChargeRefused, Kind::kRefund})
    EXPECT_EQ(kind_from(name_of(k)), k);
  EXPECT_FALSE(kind_from("charge ").has_value());
  EXPECT_EQ(msg_id_of("n1-3-7", Kind::kChargeRefused), "n1-3-7:charge_refused");
}

TEST(OutboxMessagesTest, NotAPayloadIsRefused) {
  EXPECT_FALSE(payload_from("").has_value());
  EXPECT_FALSE(payload_from("[1]").has_value());
  EXPECT_FALSE(payload_from(R"({"order_id":"1","account_id":"a","amount_cents":1,"txn_id":"t"})"));
  EXPECT_FALSE(payload_from(R"({"order_id":1,"account_id":"a","amount_cents":0,"txn_id":"t"})"));
  EXPECT_FALSE(payload_from(R"({"order_id":1,"account_id":"a","amount_cents":5})"));
}

}  // namespace
}  // namespace xacoord::outbox
