#include "tools/reconcile/reconcile.h"

#include <map>

#include "participants/sql_text.h"
#include "protocol/txn_id.h"

namespace xacoord::reconcile {
namespace {

void add(Report& r, int invariant, std::string problem, nlohmann::json facts) {
  r.discrepancies.push_back({invariant, std::move(problem), std::move(facts)});
}

}  // namespace

std::string like_prefix_sql(const std::string& prefix) {
  std::string escaped;
  for (char c : prefix) {
    if (c == '%' || c == '_' || c == '\\') escaped.push_back('\\');
    escaped.push_back(c);
  }
  return db::quote(escaped + "%");
}

Report check(db::Connection& orders_db, db::Connection& payments_db, const Scope& scope) {
  Report report;
  const std::string filter = " WHERE account_id LIKE " + like_prefix_sql(scope.account_prefix);

  // Each database is read inside one read-only transaction: a consistent snapshot.
  orders_db.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
  InvariantRows rows;
  for (const auto& row :
       orders_db.query("SELECT order_id, account_id, amount_cents, status FROM orders" + filter)
           .rows) {
    rows.orders.push_back(
        {db::as_int(row, 0), db::as_string(row, 1), db::as_int(row, 2), db::as_string(row, 3)});
  }
  orders_db.execute("COMMIT");

  payments_db.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
  bool has_funded = !payments_db.query("SHOW COLUMNS FROM accounts LIKE 'funded_cents'").empty();
  for (const auto& row :
       payments_db
           .query("SELECT payment_id, order_id, account_id, amount_cents, status FROM payments" +
                  filter)
           .rows) {
    rows.payments.push_back({db::as_int(row, 0), db::as_int(row, 1), db::as_string(row, 2),
                             db::as_int(row, 3), db::as_string(row, 4)});
  }
  for (const auto& row :
       payments_db
           .query(std::string("SELECT account_id, balance_cents, ") +
                  (has_funded ? "funded_cents" : "NULL") + " FROM accounts" + filter)
           .rows) {
    AccountRow a{db::as_string(row, 0), db::as_int(row, 1), std::nullopt};
    if (row[2]) a.funded = db::as_int(row, 2);
    rows.accounts.push_back(a);
  }
  payments_db.execute("COMMIT");
  report.orders = rows.orders.size();
  report.payments = rows.payments.size();
  report.accounts = rows.accounts.size();
  report.discrepancies = check_invariants(rows);
  if (!has_funded)
    report.notes.push_back(
        "accounts has no funded_cents column: conservation of money was not checked, only "
        "non-negative balances");

  // Invariant 4: no branch of this coordinator left prepared.
  if (scope.check_prepared) {
    for (auto* c : {&orders_db, &payments_db}) {
      for (const Xid& xid : c->xa_recover()) {
        auto txn = txn_of_xid(xid);
        if (!txn || (scope.node_id && txn->node != *scope.node_id)) continue;
        ++report.prepared_branches;
        add(report, 4, "branch left prepared",
            {{"database", c == &orders_db ? "orders" : "payments"},
             {"xid", xid.to_string()},
             {"txn_id", txn->to_string()}});
      }
    }
  }
  return report;
}

nlohmann::json Report::to_json() const {
  nlohmann::json by_invariant = nlohmann::json::object();
  for (const auto& d : discrepancies) {
    auto& list = by_invariant[std::to_string(d.invariant)];
    auto facts = d.facts;
    facts["problem"] = d.problem;
    list.push_back(facts);
  }
  return {{"ok", ok()},
          {"checked", {{"orders", orders}, {"payments", payments}, {"accounts", accounts}}},
          {"discrepancies", discrepancies.size()},
          {"by_invariant", by_invariant},
          {"notes", notes}};
}

std::string Report::to_text() const {
  static const char* kInvariants[] = {
      "",
      "1. an order is PAID iff exactly one CAPTURED payment of its amount exists",
      "2. a CANCELLED order has no payment or a REFUNDED one; a PENDING order has none",
      "3. money is conserved and no balance is negative",
      "4. no branch of this coordinator is left prepared",
  };
  std::string out = "checked " + std::to_string(orders) + " orders, " + std::to_string(payments) +
                    " payments, " + std::to_string(accounts) + " accounts\n";
  for (int inv = 1; inv <= 4; ++inv) {
    std::size_t n = 0;
    std::string lines;
    for (const auto& d : discrepancies) {
      if (d.invariant != inv) continue;
      ++n;
      lines += "    - " + d.problem + ": " + d.facts.dump() + "\n";
    }
    out += std::string(n == 0 ? "  ok    " : "  FAIL  ") + kInvariants[inv] +
           (n == 0 ? "" : " (" + std::to_string(n) + " discrepancies)") + "\n" + lines;
  }
  for (const auto& note : notes)
    out += "  note: " + note + "\n";
  out += ok() ? "OK\n" : "INCONSISTENT\n";
  return out;
}

}  // namespace xacoord::reconcile
