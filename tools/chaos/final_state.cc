#include "tools/chaos/final_state.h"

#include "tools/reconcile/reconcile.h"

namespace xacoord::chaos {

std::map<std::int64_t, FinalOrder> read_final_state(db::Connection& orders,
                                                    db::Connection& payments,
                                                    const std::string& account_prefix) {
  const std::string like = reconcile::like_prefix_sql(account_prefix);
  std::map<std::int64_t, FinalOrder> final_state;
  for (const auto& row :
       orders.query("SELECT order_id, status FROM orders WHERE account_id LIKE " + like).rows) {
    final_state[db::as_int(row, 0)].status = db::as_string(row, 1);
  }
  for (const auto& row :
       payments.query("SELECT order_id, status, txn_id FROM payments WHERE account_id LIKE " + like)
           .rows) {
    auto& f = final_state[db::as_int(row, 0)];
    f.payment = db::as_string(row, 1);
    f.payment_txn = row[2];
  }
  return final_state;
}

}  // namespace xacoord::chaos
