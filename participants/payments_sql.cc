#include "participants/payments_sql.h"

#include "participants/sql_text.h"

namespace xacoord::db::payments {

std::string create_account_sql(const std::string& account_id, std::int64_t balance_cents) {
  return "INSERT INTO accounts (account_id, balance_cents, funded_cents) VALUES (" +
         quote(account_id) + ", " + std::to_string(balance_cents) + ", " +
         std::to_string(balance_cents) + ")";
}

void create_account(Connection& c, const std::string& account_id, std::int64_t balance_cents) {
  c.execute(create_account_sql(account_id, balance_cents));
}

std::string find_account_sql(const std::string& account_id) {
  return "SELECT account_id, balance_cents, funded_cents FROM accounts WHERE account_id = " +
         quote(account_id);
}

std::optional<AccountRow> account_from(const Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return AccountRow{as_string(rows[0], 0), as_int(rows[0], 1), as_int(rows[0], 2)};
}

std::optional<AccountRow> find_account(Connection& c, const std::string& account_id) {
  return account_from(c.query(find_account_sql(account_id)));
}

std::string find_payment_sql(std::int64_t order_id) {
  return "SELECT payment_id, order_id, account_id, amount_cents, status FROM payments WHERE "
         "order_id = " +
         std::to_string(order_id);
}

std::optional<PaymentRow> payment_from(const Rows& rows) {
  if (rows.empty()) return std::nullopt;
  const Row& r = rows[0];
  return PaymentRow{as_int(r, 0), as_int(r, 1), as_string(r, 2), as_int(r, 3), as_string(r, 4)};
}

std::optional<PaymentRow> find_payment_for_order(Connection& c, std::int64_t order_id) {
  return payment_from(c.query(find_payment_sql(order_id)));
}

std::vector<std::string> capture_sql(std::int64_t order_id, const std::string& account_id,
                                     std::int64_t amount_cents, const std::string& txn_id) {
  return {
      "UPDATE accounts SET balance_cents = balance_cents - " + std::to_string(amount_cents) +
          " WHERE account_id = " + quote(account_id),
      "INSERT INTO payments (payment_id, order_id, account_id, amount_cents, status, txn_id) "
      "VALUES (" +
          std::to_string(payment_id_for(order_id)) + ", " + std::to_string(order_id) + ", " +
          quote(account_id) + ", " + std::to_string(amount_cents) + ", 'CAPTURED', " +
          quote(txn_id) + ")",
  };
}

bool is_short_balance(const std::string& error_message) {
  return error_message.find("balance_not_negative") != std::string::npos;
}

std::vector<std::string> refund_sql(std::int64_t order_id, const std::string& account_id,
                                    std::int64_t amount_cents, const std::string& txn_id) {
  return {
      "UPDATE accounts SET balance_cents = balance_cents + " + std::to_string(amount_cents) +
          " WHERE account_id = " + quote(account_id),
      "UPDATE payments SET status = 'REFUNDED', refund_txn_id = " + quote(txn_id) +
          " WHERE order_id = " + std::to_string(order_id) + " AND status = 'CAPTURED'",
      "SELECT status, refund_txn_id, account_id, amount_cents FROM payments WHERE order_id = " +
          std::to_string(order_id),
  };
}

bool refund_done(const Rows& payment_rows, const std::string& account_id, std::int64_t amount_cents,
                 const std::string& txn_id) {
  if (payment_rows.size() != 1) return false;
  const Row& r = payment_rows[0];
  return as_string(r, 0) == "REFUNDED" && r[1] && *r[1] == txn_id &&
         as_string(r, 2) == account_id && as_int(r, 3) == amount_cents;
}

}  // namespace xacoord::db::payments
