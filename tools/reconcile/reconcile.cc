#include "tools/reconcile/reconcile.h"

#include "participants/sql_text.h"

namespace xacoord::reconcile {

std::string like_prefix_sql(const std::string& prefix) {
  std::string escaped;
  for (char c : prefix) {
    if (c == '%' || c == '_' || c == '\\') escaped.push_back('\\');
    escaped.push_back(c);
  }
  return db::quote(escaped + "%");
}

Report check(db::Connection& orders_db, db::Connection& payments_db, const Scope& scope) {
  Tables tables;
  const std::string where = where_account_prefix(scope.account_prefix);

  // Each database is read inside one read-only transaction: a consistent snapshot.
  orders_db.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
  tables.orders = parse_orders(orders_db.query(select_orders(where)));
  orders_db.execute("COMMIT");

  payments_db.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
  tables.has_funded = !payments_db.query(show_funded_column()).empty();
  tables.payments = parse_payments(payments_db.query(select_payments(where)));
  tables.accounts = parse_accounts(payments_db.query(select_accounts(where, tables.has_funded)));
  payments_db.execute("COMMIT");

  if (scope.check_prepared) {
    for (const Xid& xid : orders_db.xa_recover())
      tables.prepared.push_back({"orders", xid});
    for (const Xid& xid : payments_db.xa_recover())
      tables.prepared.push_back({"payments", xid});
  }
  return check(tables, scope);
}

}  // namespace xacoord::reconcile
