#include "coordinator/broker/message.h"

#include <stdexcept>

namespace xacoord::broker {
namespace {

bool printable_no_space(std::string_view s) {
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

bool kind_chars(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

void validate(const Message& m) {
  if (m.msg_id.empty() || m.msg_id.size() > 64 || !printable_no_space(m.msg_id)) {
    throw std::invalid_argument("message msg_id must be 1-64 printable ASCII without spaces");
  }
  if (m.kind.empty() || m.kind.size() > 32 || !kind_chars(m.kind)) {
    throw std::invalid_argument("message kind must be 1-32 of [a-z0-9_.-]");
  }
  if (m.payload.size() > 64 * 1024) throw std::invalid_argument("message payload over 64 KiB");
}

std::vector<std::string> to_fields(const Message& m) {
  return {"msg_id", m.msg_id, "kind", m.kind, "payload", m.payload, "created_at", m.created_at};
}

std::optional<Message> message_from(const StreamEntry& e) {
  if (e.deleted) return std::nullopt;
  const std::string* id = e.field("msg_id");
  const std::string* kind = e.field("kind");
  if (!id || !kind || id->empty()) return std::nullopt;
  const std::string* payload = e.field("payload");
  const std::string* created = e.field("created_at");
  return Message{*id, *kind, payload ? *payload : "", created ? *created : ""};
}

StreamNames StreamNames::with_prefix(std::string_view prefix) {
  std::string p(prefix);
  return StreamNames{p + ":to-orders", p + ":to-payments"};
}

}  // namespace xacoord::broker
