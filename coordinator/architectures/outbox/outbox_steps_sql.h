// The statements of the outbox architecture's steps that participants/orders_sql.h and
// payments_sql.h do not have: the PAYING state of an order and its two ways out, and the
// row locks a consumer takes before it decides (docs/architectures/outbox.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "participants/rows.h"

namespace xacoord::outbox::sql {

// PENDING -> PAYING by the pay `txn_id` (guarded: changes nothing unless PENDING).
std::string mark_paying_sql(std::int64_t order_id, const std::string& txn_id);
// PAYING -> PAID, or back to PENDING, only while the pay `txn_id` holds the order.
std::string paying_to_paid_sql(std::int64_t order_id, const std::string& txn_id);
std::string paying_to_pending_sql(std::int64_t order_id, const std::string& txn_id);

// The account row first, then the payment: the order a charge and a refund take them in
// (participants/payments_sql.h), so two steps on one account never wait in a cycle.
std::string lock_account_sql(const std::string& account_id);
std::string lock_payment_sql(std::int64_t order_id);
// The balance in the result of lock_account_sql; nullopt for no such account.
std::optional<std::int64_t> balance_from(const db::Rows& rows);
struct PaymentState {
  std::string status;  // CAPTURED | REFUNDED
  std::string txn_id;
};
// The payment in the result of lock_payment_sql.
std::optional<PaymentState> payment_state_from(const db::Rows& rows);

}  // namespace xacoord::outbox::sql
