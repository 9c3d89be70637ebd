#include "tools/reconcile/reconcile.h"

#include <map>

#include "participants/sql_text.h"
#include "protocol/txn_id.h"

namespace xacoord::reconcile {
namespace {

struct Order {
  std::string account_id;
  std::int64_t amount = 0;
  std::string status;
};

struct Payment {
  std::int64_t payment_id = 0;
  std::int64_t order_id = 0;
  std::string account_id;
  std::int64_t amount = 0;
  std::string status;
};

struct Account {
  std::int64_t balance = 0;
  std::optional<std::int64_t> funded;
};

std::string like_prefix(const std::string& prefix) {
  std::string escaped;
  for (char c : prefix) {
    if (c == '%' || c == '_' || c == '\\') escaped.push_back('\\');
    escaped.push_back(c);
  }
  return db::quote(escaped + "%");
}

void add(Report& r, int invariant, std::string problem, nlohmann::json facts) {
  r.discrepancies.push_back({invariant, std::move(problem), std::move(facts)});
}

}  // namespace

Report check(db::Connection& orders_db, db::Connection& payments_db, const Scope& scope) {
  Report report;
  const std::string filter = " WHERE account_id LIKE " + like_prefix(scope.account_prefix);

  // Each database is read inside one read-only transaction: a consistent snapshot.
  orders_db.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
  std::map<std::int64_t, Order> orders;
  for (const auto& row :
       orders_db.query("SELECT order_id, account_id, amount_cents, status FROM orders" + filter)
           .rows) {
    orders[db::as_int(row, 0)] =
        Order{db::as_string(row, 1), db::as_int(row, 2), db::as_string(row, 3)};
  }
  orders_db.execute("COMMIT");

  payments_db.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
  bool has_funded = !payments_db.query("SHOW COLUMNS FROM accounts LIKE 'funded_cents'").empty();
  std::map<std::int64_t, Payment> payments_by_order;
  std::vector<Payment> duplicates;
  for (const auto& row :
       payments_db
           .query("SELECT payment_id, order_id, account_id, amount_cents, status FROM payments" +
                  filter)
           .rows) {
    Payment p{db::as_int(row, 0), db::as_int(row, 1), db::as_string(row, 2), db::as_int(row, 3),
              db::as_string(row, 4)};
    if (!payments_by_order.emplace(p.order_id, p).second) duplicates.push_back(p);
  }
  std::map<std::string, Account> accounts;
  for (const auto& row :
       payments_db
           .query(std::string("SELECT account_id, balance_cents, ") +
                  (has_funded ? "funded_cents" : "NULL") + " FROM accounts" + filter)
           .rows) {
    Account a{db::as_int(row, 1), std::nullopt};
    if (row[2]) a.funded = db::as_int(row, 2);
    accounts[db::as_string(row, 0)] = a;
  }
  payments_db.execute("COMMIT");
  report.orders = orders.size();
  report.payments = payments_by_order.size() + duplicates.size();
  report.accounts = accounts.size();

  for (const auto& p : duplicates) {
    add(report, 1, "more than one payment for an order",
        {{"order_id", p.order_id}, {"payment_id", p.payment_id}});
  }
  // Invariants 1 and 2, from the orders' side.
  for (const auto& [id, o] : orders) {
    auto it = payments_by_order.find(id);
    const Payment* p = it == payments_by_order.end() ? nullptr : &it->second;
    nlohmann::json facts{{"order_id", id},
                         {"account_id", o.account_id},
                         {"amount_cents", o.amount},
                         {"order_status", o.status}};
    if (p) {
      facts["payment_id"] = p->payment_id;
      facts["payment_status"] = p->status;
      facts["payment_amount_cents"] = p->amount;
    }
    if (o.status == "PAID") {
      if (!p || p->status != "CAPTURED") {
        add(report, 1, "paid order without a captured payment", facts);
      } else if (p->amount != o.amount || p->account_id != o.account_id) {
        add(report, 1, "paid order whose payment has another amount or account", facts);
      }
    } else if (o.status == "CANCELLED") {
      if (p && p->status != "REFUNDED")
        add(report, 2, "cancelled order with a payment that is not refunded", facts);
    } else if (o.status == "PENDING") {
      if (p) add(report, 2, "pending order with a payment", facts);
    } else {
      add(report, 2, "order with an unknown status", facts);
    }
  }
  // Invariant 1 from the payments' side: every captured payment belongs to a paid order.
  for (const auto& [order_id, p] : payments_by_order) {
    if (orders.contains(order_id)) continue;
    add(report, 1, "payment for an order that does not exist",
        {{"order_id", order_id},
         {"payment_id", p.payment_id},
         {"account_id", p.account_id},
         {"amount_cents", p.amount},
         {"payment_status", p.status}});
  }
  // Invariant 3: money is conserved, and no balance is negative.
  std::map<std::string, std::int64_t> captured;
  for (const auto& [order_id, p] : payments_by_order) {
    if (p.status == "CAPTURED") captured[p.account_id] += p.amount;
  }
  for (const auto& p : duplicates) {
    if (p.status == "CAPTURED") captured[p.account_id] += p.amount;
  }
  for (const auto& [id, a] : accounts) {
    if (a.balance < 0)
      add(report, 3, "negative balance", {{"account_id", id}, {"balance_cents", a.balance}});
    if (a.funded && *a.funded - captured[id] != a.balance) {
      add(report, 3, "money not conserved",
          {{"account_id", id},
           {"funded_cents", *a.funded},
           {"captured_cents", captured[id]},
           {"balance_cents", a.balance},
           {"expected_balance_cents", *a.funded - captured[id]}});
    }
  }
  for (const auto& [account, amount] : captured) {
    if (!accounts.contains(account))
      add(report, 3, "captured payments on a missing account",
          {{"account_id", account}, {"captured_cents", amount}});
  }
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
