// The payments database's statements (schema: compose/local/schema/payments.sql).
// Every statement here runs only after the order row is locked (participants/orders_sql.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "participants/connection.h"

namespace xacoord::db::payments {

struct AccountRow {
  std::string account_id;
  std::int64_t balance_cents = 0;
  std::int64_t funded_cents = 0;
};

struct PaymentRow {
  std::int64_t payment_id = 0;
  std::int64_t order_id = 0;
  std::string account_id;
  std::int64_t amount_cents = 0;
  std::string status;  // CAPTURED | REFUNDED
};

// Opens an account with its funding (autocommit). Fails with DbError kDuplicate if it
// exists.
std::string create_account_sql(const std::string& account_id, std::int64_t balance_cents);
void create_account(Connection& c, const std::string& account_id, std::int64_t balance_cents);

std::string find_account_sql(const std::string& account_id);
std::optional<AccountRow> account_from(const Rows& rows);
std::optional<AccountRow> find_account(Connection& c, const std::string& account_id);

std::string find_payment_sql(std::int64_t order_id);
std::optional<PaymentRow> payment_from(const Rows& rows);
std::optional<PaymentRow> find_payment_for_order(Connection& c, std::int64_t order_id);

// The payment of an order has the order's id (see the schema).
inline std::int64_t payment_id_for(std::int64_t order_id) {
  return order_id;
}

// Debit the account and insert a CAPTURED payment. A short balance fails the debit (CHECK
// balance_not_negative), an unknown account fails the insert (FOREIGN KEY): both as
// DbError kConstraint inside the server, so the statements need no read first and can
// travel in one round trip with the branch's XA verbs.
std::vector<std::string> capture_sql(std::int64_t order_id, const std::string& account_id,
                                     std::int64_t amount_cents, const std::string& txn_id);
// Which constraint refused a capture: true for the balance, false for the account.
bool is_short_balance(const std::string& error_message);

// Credit the order's amount back and mark its CAPTURED payment REFUNDED. The account row
// is locked first and the payment row second — the order pay takes them in — so a refund
// and a pay on one account can never wait for each other in a cycle. The last statement
// reads the payment back so refund_done can check, in the same round trip, that exactly
// this payment was refunded (status, transaction, amount and account).
std::vector<std::string> refund_sql(std::int64_t order_id, const std::string& account_id,
                                    std::int64_t amount_cents, const std::string& txn_id);
bool refund_done(const Rows& payment_rows, const std::string& account_id, std::int64_t amount_cents,
                 const std::string& txn_id);

}  // namespace xacoord::db::payments
