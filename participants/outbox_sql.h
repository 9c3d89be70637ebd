// The database side of the `outbox` architecture (docs/broker.md; tables in
// compose/local/schema/*.sql, the same two in both databases):
//
//  - outbox: a message written in the same local transaction as the change it announces,
//    so the message exists exactly when the change does. The relay publishes unpublished
//    rows to Redis and marks them published only after Redis acknowledged them.
//  - inbox: one row per message applied, written in the same local transaction as what
//    the message changed, so a message delivered twice (the relay republished it, or a
//    consumer died before XACK and another claimed it) is applied once.
//
// The relay's claim is a locking read with SKIP LOCKED in a READ COMMITTED transaction
// held while it publishes: relays of several coordinators take disjoint rows, a relay that
// dies releases its rows with its connection (no lease to expire), and READ COMMITTED
// takes no gap locks, so producers inserting new rows never wait for a relay (under
// REPEATABLE READ the claim's next-key lock past the last unpublished row would block
// every insert for a round trip to Redis; tests/participants/outbox_sql_test.cc shows
// both).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "participants/connection.h"
#include "participants/db_error.h"

namespace xacoord::db::outbox {

struct OutboxRow {
  std::int64_t id = 0;
  std::string msg_id;
  std::string topic;  // the stream it goes to
  std::string kind;
  std::string payload;
  std::string created_at;  // "YYYY-MM-DD hh:mm:ss.uuuuuu", this database's clock
};

// --- the producer, inside its business transaction ----------------------------------

// Writes a message. With no msg_id the table's default (UUID()) names it; read it back
// with LAST_INSERT_ID() and find_sql if needed. A msg_id already written fails with
// DbError kDuplicate (is_duplicate_outbox_message). Throws std::invalid_argument for
// values the message format refuses (coordinator/broker/message.h has the same rules).
std::string insert_sql(const std::optional<std::string>& msg_id, const std::string& topic,
                       const std::string& kind, const std::string& payload);
bool is_duplicate_outbox_message(const DbError& e);
std::string find_sql(std::int64_t id);
std::optional<OutboxRow> row_from(const Rows& rows);

// --- the relay ----------------------------------------------------------------------

// Opens the claim transaction and takes up to `limit` unpublished rows of `topic` (every
// topic if nullopt), oldest first, that no other relay holds: three statements, the rows
// are the third's (claimed_from).
std::vector<std::string> claim_sql(const std::optional<std::string>& topic, int limit);
std::vector<OutboxRow> claimed_from(const Rows& rows);

struct Published {
  std::int64_t id = 0;
  std::string stream_entry_id;
};
// Marks what Redis acknowledged and commits the claim; rows not listed stay unpublished
// and are claimed again. The UPDATE of an already published row changes nothing.
std::vector<std::string> finish_claim_sql(const std::vector<Published>& published);
// Ends a claim without marking anything (Redis unreachable): every row stays unpublished.
std::string release_claim_sql();

// One row: how many rows of `topic` (every topic if nullopt) are unpublished, and the age
// of the oldest in milliseconds (NULL when none): backlog_from. For GET /v1/status.
std::string unpublished_sql(const std::optional<std::string>& topic = std::nullopt);
struct Backlog {
  std::int64_t unpublished = 0;
  std::optional<std::int64_t> oldest_age_ms;
};
Backlog backlog_from(const Rows& rows);
// Deletes up to `limit` rows published more than `retention` ago.
std::string purge_published_sql(std::chrono::seconds retention, int limit);

// --- the consumer, inside the transaction that applies a message --------------------

// The first statement of the consumer's transaction (after START TRANSACTION): records
// the message as applied. A DbError for which is_duplicate_inbox_message() holds means
// it was applied before (or is being applied by another consumer, which this insert
// waited for): roll back and acknowledge it. Any statement after it in the same batch
// runs only if the message is new.
std::string record_inbox_sql(const std::string& msg_id, const std::string& topic,
                             const std::string& stream_entry_id);
bool is_duplicate_inbox_message(const DbError& e);
std::string inbox_contains_sql(const std::string& msg_id);  // one row if applied
// Deletes up to `limit` inbox rows older than `retention`. Keep them longer than a
// message can be redelivered: the stream's entries and the relay's republishing.
std::string purge_inbox_sql(std::chrono::seconds retention, int limit);

}  // namespace xacoord::db::outbox
