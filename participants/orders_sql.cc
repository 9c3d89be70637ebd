#include "participants/orders_sql.h"

#include "participants/sql_text.h"

namespace xacoord::db::orders {
namespace {

constexpr const char* kOrderColumns =
    "SELECT order_id, account_id, amount_cents, status, pay_txn_id, cancel_txn_id, refunded "
    "FROM orders WHERE order_id = ";

}  // namespace

std::string lock_order_sql(std::int64_t order_id) {
  return kOrderColumns + std::to_string(order_id) + " FOR UPDATE";
}

std::string find_order_sql(std::int64_t order_id) {
  return kOrderColumns + std::to_string(order_id);
}

std::optional<OrderRow> order_from(const Rows& rows) {
  if (rows.empty()) return std::nullopt;
  const Row& r = rows[0];
  return OrderRow{as_int(r, 0), as_string(r, 1),  as_int(r, 2), as_string(r, 3), r[4],
                  r[5],         as_int(r, 6) != 0};
}

std::optional<OrderRow> find_order(Connection& c, std::int64_t order_id) {
  return order_from(c.query(find_order_sql(order_id)));
}

std::vector<std::string> create_order_sql(const std::string& account_id,
                                          std::int64_t amount_cents) {
  return {"INSERT INTO orders (account_id, amount_cents, status) VALUES (" + quote(account_id) +
              ", " + std::to_string(amount_cents) + ", 'PENDING')",
          "SELECT LAST_INSERT_ID()"};
}

std::int64_t created_order_id(const Results& results) {
  return single_int(*results.at(1));
}

std::int64_t create_order(Connection& c, const std::string& account_id, std::int64_t amount_cents) {
  return created_order_id(c.batch(create_order_sql(account_id, amount_cents)));
}

std::string mark_paid_sql(std::int64_t order_id, const std::string& txn_id) {
  return "UPDATE orders SET status = 'PAID', pay_txn_id = " + quote(txn_id) +
         " WHERE order_id = " + std::to_string(order_id) + " AND status = 'PENDING'";
}

std::string cancel_txn_sql(std::int64_t order_id) {
  return "SELECT cancel_txn_id FROM orders WHERE order_id = " + std::to_string(order_id);
}

bool cancelled_by(const Rows& rows, const std::string& txn_id) {
  return rows.size() == 1 && rows[0][0] && *rows[0][0] == txn_id;
}

std::string answer_body_sql(const std::string& key) {
  return "SELECT response FROM idempotency_keys WHERE idem_key = " + hex_literal(key);
}

bool answer_is(const Rows& rows, const std::string& body) {
  return rows.size() == 1 && rows[0][0] && *rows[0][0] == body;
}

std::string mark_cancelled_sql(std::int64_t order_id, const std::string& txn_id, bool refunded) {
  return "UPDATE orders SET status = 'CANCELLED', cancel_txn_id = " + quote(txn_id) +
         ", refunded = " + (refunded ? "1" : "0") + " WHERE order_id = " + std::to_string(order_id);
}

std::string find_answer_sql(const std::string& key, std::chrono::seconds retention) {
  return "SELECT fingerprint, http_status, response, created_at < NOW(6) - INTERVAL " +
         std::to_string(retention.count()) +
         " SECOND FROM idempotency_keys WHERE idem_key = " + hex_literal(key);
}

std::optional<StoredAnswer> answer_from(const Rows& rows) {
  if (rows.empty()) return std::nullopt;
  const Row& r = rows[0];
  return StoredAnswer{as_string(r, 0), static_cast<int>(as_int(r, 1)), as_string(r, 2),
                      as_int(r, 3) != 0};
}

std::string delete_answer_sql(const std::string& key) {
  return "DELETE FROM idempotency_keys WHERE idem_key = " + hex_literal(key);
}

std::string store_answer_sql(const std::string& key, const std::string& fingerprint,
                             int http_status, const std::string& body) {
  return "INSERT INTO idempotency_keys (idem_key, fingerprint, http_status, response) VALUES (" +
         hex_literal(key) + ", " + quote(fingerprint) + ", " + std::to_string(http_status) + ", " +
         hex_literal(body) + ")";
}

std::vector<std::string> expire_answers_sql(std::chrono::seconds retention, int limit) {
  return {"DELETE FROM idempotency_keys WHERE created_at < NOW(6) - INTERVAL " +
              std::to_string(retention.count()) + " SECOND LIMIT " + std::to_string(limit),
          "SELECT ROW_COUNT()"};
}

std::int64_t expired_count(const Results& results) {
  return single_int(*results.at(1));
}

std::int64_t expire_answers(Connection& c, std::chrono::seconds retention, int limit) {
  return expired_count(c.batch(expire_answers_sql(retention, limit)));
}

}  // namespace xacoord::db::orders
