#include "coordinator/architectures/outbox/outbox_steps_sql.h"

#include "participants/sql_text.h"

namespace xacoord::outbox::sql {

std::string mark_paying_sql(std::int64_t order_id, const std::string& txn_id) {
  return "UPDATE orders SET status = 'PAYING', pay_txn_id = " + db::quote(txn_id) +
         " WHERE order_id = " + std::to_string(order_id) + " AND status = 'PENDING'";
}

std::string paying_to_paid_sql(std::int64_t order_id, const std::string& txn_id) {
  return "UPDATE orders SET status = 'PAID' WHERE order_id = " + std::to_string(order_id) +
         " AND status = 'PAYING' AND pay_txn_id = " + db::quote(txn_id);
}

std::string paying_to_pending_sql(std::int64_t order_id, const std::string& txn_id) {
  return "UPDATE orders SET status = 'PENDING' WHERE order_id = " + std::to_string(order_id) +
         " AND status = 'PAYING' AND pay_txn_id = " + db::quote(txn_id);
}

std::string lock_account_sql(const std::string& account_id) {
  return "SELECT balance_cents FROM accounts WHERE account_id = " + db::quote(account_id) +
         " FOR UPDATE";
}

std::string lock_payment_sql(std::int64_t order_id) {
  return "SELECT status, txn_id FROM payments WHERE order_id = " + std::to_string(order_id) +
         " FOR UPDATE";
}

std::optional<std::int64_t> balance_from(const db::Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return db::as_int(rows[0], 0);
}

std::optional<PaymentState> payment_state_from(const db::Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return PaymentState{db::as_string(rows[0], 0), rows[0][1].value_or("")};
}

}  // namespace xacoord::outbox::sql
