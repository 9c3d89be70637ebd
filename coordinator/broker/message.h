// What travels on the streams, and the streams' names (docs/broker.md, "Streams" and
// "Message format").
//
// A message is an outbox row (participants/outbox_sql.h) on its way to the consumer of
// the other database. Its msg_id is unique over all time (not only within one database's
// lifetime), because it is the key of the consumer's inbox row: the one guarantee of
// exactly-once application. The relay may publish a message more than once; consumers
// apply it once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/broker/stream_replies.h"

namespace xacoord::broker {

struct Message {
  std::string msg_id;      // 1-64 printable ASCII, no spaces: the inbox key
  std::string kind;        // 1-32 of [a-z0-9_.-]: what is asked or reported ("charge"...)
  std::string payload;     // the body (JSON by convention), up to 64 KiB
  std::string created_at;  // when its outbox row was written, that database's clock; may be empty
};

// Throws std::invalid_argument naming the field that breaks the rules above.
void validate(const Message& m);

// The stream entry's fields: msg_id, kind, payload, created_at (in that order).
std::vector<std::string> to_fields(const Message& m);
// The message of an entry; nullopt for an entry that is not one of ours (no msg_id or
// kind), or was deleted: a consumer acknowledges such an entry and logs it.
std::optional<Message> message_from(const StreamEntry& e);

// One stream per receiving database; each has one consumer group, of the same name.
struct StreamNames {
  std::string to_orders;    // "<prefix>:to-orders": read by the orders database's consumers
  std::string to_payments;  // "<prefix>:to-payments"
  // Tests and parallel runs give each run a prefix of its own; production uses "xacoord".
  static StreamNames with_prefix(std::string_view prefix = "xacoord");
};
inline constexpr std::string_view kOrdersGroup = "orders";
inline constexpr std::string_view kPaymentsGroup = "payments";

}  // namespace xacoord::broker
