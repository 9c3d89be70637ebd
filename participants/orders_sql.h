// The orders database's statements (schema: compose/local/schema/orders.sql).
//
// Lock order (why the orders branch goes first): every transaction that changes an order
// locks its row here, with SELECT ... FOR UPDATE, before any statement touches the
// payments database. Two transactions on one order therefore queue on this row, and a
// transaction never holds payments rows while waiting for an order row. Without that
// rule, pay (order row, then account) and cancel-with-refund could take the two locks in
// opposite orders on two servers: a deadlock that neither server can see, ended only by
// innodb_lock_wait_timeout after seconds of blocked customers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "participants/connection.h"

namespace xacoord::db::orders {

struct OrderRow {
  std::int64_t order_id = 0;
  std::string account_id;
  std::int64_t amount_cents = 0;
  std::string status;  // PENDING | PAID | CANCELLED
  std::optional<std::string> pay_txn_id;
  std::optional<std::string> cancel_txn_id;
  bool refunded = false;
};

// An answer stored under an Idempotency-Key, inside the transaction that produced it.
struct StoredAnswer {
  std::string fingerprint;
  int http_status = 0;
  std::string body;
  bool expired = false;  // older than the retention: the key may be reused
};

// SELECT of one order, FOR UPDATE: the first statement of every changing transaction.
std::string lock_order_sql(std::int64_t order_id);
std::string find_order_sql(std::int64_t order_id);
// The order in the result of either statement above (nullopt if there is no such order).
std::optional<OrderRow> order_from(const Rows& rows);

std::optional<OrderRow> find_order(Connection& c, std::int64_t order_id);
// Inserts a PENDING order (autocommit); the second statement reads its id back
// (created_order_id).
std::vector<std::string> create_order_sql(const std::string& account_id, std::int64_t amount_cents);
std::int64_t created_order_id(const Results& results);
std::int64_t create_order(Connection& c, const std::string& account_id, std::int64_t amount_cents);

std::string mark_paid_sql(std::int64_t order_id, const std::string& txn_id);
// Which transaction cancelled the order (read back after a lost one-phase commit).
std::string cancel_txn_sql(std::int64_t order_id);
bool cancelled_by(const Rows& rows, const std::string& txn_id);
// The stored answer's body under a key (read back after a lost one-phase commit).
std::string answer_body_sql(const std::string& key);
bool answer_is(const Rows& rows, const std::string& body);
std::string mark_cancelled_sql(std::int64_t order_id, const std::string& txn_id, bool refunded);

// Non-locking read of a stored answer; keys older than `retention` come back expired.
std::string find_answer_sql(const std::string& key, std::chrono::seconds retention);
std::optional<StoredAnswer> answer_from(const Rows& rows);
std::string delete_answer_sql(const std::string& key);
std::string store_answer_sql(const std::string& key, const std::string& fingerprint,
                             int http_status, const std::string& body);
// Deletes up to `limit` keys older than `retention`; expired_count says how many went.
std::vector<std::string> expire_answers_sql(std::chrono::seconds retention, int limit);
std::int64_t expired_count(const Results& results);
std::int64_t expire_answers(Connection& c, std::chrono::seconds retention, int limit);

}  // namespace xacoord::db::orders
