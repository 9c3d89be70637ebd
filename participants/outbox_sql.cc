#include "participants/outbox_sql.h"

#include <stdexcept>

#include "participants/sql_text.h"

namespace xacoord::db::outbox {
namespace {

// The message format's rules (coordinator/broker/message.h), checked before a row exists
// that the relay could never publish.
void check_text(const std::string& value, const char* what, std::size_t max, bool allow_empty) {
  if ((!allow_empty && value.empty()) || value.size() > max) {
    throw std::invalid_argument(std::string("outbox ") + what + " must be " +
                                (allow_empty ? "0" : "1") + "-" + std::to_string(max) + " bytes");
  }
  for (unsigned char c : value) {
    if (c <= 0x20 || c >= 0x7f) {
      throw std::invalid_argument(std::string("outbox ") + what + " must be printable ASCII");
    }
  }
}

constexpr const char* kColumns =
    "SELECT id, msg_id, topic, kind, payload, DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s.%f') "
    "FROM outbox ";

OutboxRow outbox_row(const Row& r) {
  return OutboxRow{as_int(r, 0),    as_string(r, 1), as_string(r, 2),
                   as_string(r, 3), as_string(r, 4), as_string(r, 5)};
}

void check_kind(const std::string& kind) {
  bool ok = !kind.empty() && kind.size() <= 32;
  for (char c : kind) {
    ok = ok &&
         ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-');
  }
  if (!ok) throw std::invalid_argument("outbox kind must be 1-32 of [a-z0-9_.-]");
}

std::string topic_filter(const std::optional<std::string>& topic) {
  if (!topic) return "";
  check_text(*topic, "topic", 64, false);
  return " AND topic = " + quote(*topic);
}

}  // namespace

std::string insert_sql(const std::optional<std::string>& msg_id, const std::string& topic,
                       const std::string& kind, const std::string& payload) {
  if (msg_id) check_text(*msg_id, "msg_id", 64, false);
  check_text(topic, "topic", 64, false);
  check_kind(kind);
  if (payload.size() > 64 * 1024) throw std::invalid_argument("outbox payload over 64 KiB");
  if (msg_id) {
    return "INSERT INTO outbox (msg_id, topic, kind, payload) VALUES (" + quote(*msg_id) + ", " +
           quote(topic) + ", " + quote(kind) + ", " + hex_literal(payload) + ")";
  }
  return "INSERT INTO outbox (topic, kind, payload) VALUES (" + quote(topic) + ", " + quote(kind) +
         ", " + hex_literal(payload) + ")";
}

bool is_duplicate_outbox_message(const DbError& e) {
  return e.kind() == ErrorKind::kDuplicate &&
         std::string_view(e.what()).find("'outbox_msg_id'") != std::string_view::npos;
}

std::string find_sql(std::int64_t id) {
  return kColumns + std::string("WHERE id = ") + std::to_string(id);
}

std::optional<OutboxRow> row_from(const Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return outbox_row(rows[0]);
}

std::vector<std::string> claim_sql(const std::optional<std::string>& topic, int limit) {
  if (limit <= 0) throw std::invalid_argument("outbox claim: limit must be positive");
  return {
      // For the next transaction only: the session may be a pooled one.
      "SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
      "START TRANSACTION",
      kColumns + std::string("WHERE published_at IS NULL") + topic_filter(topic) +
          " ORDER BY id LIMIT " + std::to_string(limit) + " FOR UPDATE SKIP LOCKED",
  };
}

std::vector<OutboxRow> claimed_from(const Rows& rows) {
  std::vector<OutboxRow> out;
  out.reserve(rows.size());
  for (const auto& r : rows.rows)
    out.push_back(outbox_row(r));
  return out;
}

std::vector<std::string> finish_claim_sql(const std::vector<Published>& published) {
  std::vector<std::string> out;
  out.reserve(published.size() + 1);
  for (const auto& p : published) {
    check_text(p.stream_entry_id, "stream entry id", 48, false);
    out.push_back(
        "UPDATE outbox SET published_at = NOW(6), stream_entry_id = " + quote(p.stream_entry_id) +
        " WHERE id = " + std::to_string(p.id) + " AND published_at IS NULL");
  }
  out.push_back("COMMIT");
  return out;
}

std::string release_claim_sql() {
  return "ROLLBACK";
}

std::string unpublished_sql(const std::optional<std::string>& topic) {
  return "SELECT COUNT(*), TIMESTAMPDIFF(MICROSECOND, MIN(created_at), NOW(6)) DIV 1000 "
         "FROM outbox WHERE published_at IS NULL" +
         topic_filter(topic);
}

Backlog backlog_from(const Rows& rows) {
  if (rows.size() != 1) throw std::logic_error("outbox backlog: expected one row");
  Backlog b;
  b.unpublished = as_int(rows[0], 0);
  if (rows[0][1]) b.oldest_age_ms = as_int(rows[0], 1);
  return b;
}

std::string purge_published_sql(std::chrono::seconds retention, int limit) {
  return "DELETE FROM outbox WHERE published_at < NOW(6) - INTERVAL " +
         std::to_string(retention.count()) + " SECOND LIMIT " + std::to_string(limit);
}

std::string record_inbox_sql(const std::string& msg_id, const std::string& topic,
                             const std::string& stream_entry_id) {
  check_text(msg_id, "msg_id", 64, false);
  check_text(topic, "topic", 64, false);
  check_text(stream_entry_id, "stream entry id", 48, true);
  return "INSERT INTO inbox (msg_id, topic, stream_entry_id) VALUES (" + quote(msg_id) + ", " +
         quote(topic) + ", " + quote(stream_entry_id) + ")";
}

bool is_duplicate_inbox_message(const DbError& e) {
  return e.kind() == ErrorKind::kDuplicate &&
         std::string_view(e.what()).find("'inbox_msg_id'") != std::string_view::npos;
}

std::string inbox_contains_sql(const std::string& msg_id) {
  return "SELECT 1 FROM inbox WHERE msg_id = " + quote(msg_id);
}

std::string purge_inbox_sql(std::chrono::seconds retention, int limit) {
  return "DELETE FROM inbox WHERE processed_at < NOW(6) - INTERVAL " +
         std::to_string(retention.count()) + " SECOND LIMIT " + std::to_string(limit);
}

}  // namespace xacoord::db::outbox
