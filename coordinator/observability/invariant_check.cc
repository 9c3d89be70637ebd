#include "coordinator/observability/invariant_check.h"

#include <map>

#include "participants/sql_text.h"
#include "protocol/txn_id.h"

namespace xacoord::reconcile {
namespace {

void add(Report& r, int invariant, std::string problem, nlohmann::json facts) {
  r.discrepancies.push_back({invariant, std::move(problem), std::move(facts)});
}

std::string lock_suffix(bool locking) {
  return locking ? " LOCK IN SHARE MODE" : "";
}

}  // namespace

std::string Discrepancy::subject() const {
  if (facts.contains("xid")) return "xid:" + facts["xid"].get<std::string>();
  if (invariant == 3) return "account:" + facts.value("account_id", std::string());
  return "order:" + std::to_string(facts.value("order_id", std::int64_t{0}));
}

std::size_t Report::count(int invariant) const {
  std::size_t n = 0;
  for (const auto& d : discrepancies)
    n += d.invariant == invariant ? 1 : 0;
  return n;
}

std::string where_account_prefix(const std::string& prefix) {
  std::string escaped;
  for (char c : prefix) {
    if (c == '%' || c == '_' || c == '\\') escaped.push_back('\\');
    escaped.push_back(c);
  }
  return "account_id LIKE " + db::quote(escaped + "%");
}

std::string select_orders(const std::string& where, bool locking) {
  return "SELECT order_id, account_id, amount_cents, status FROM orders WHERE " + where +
         lock_suffix(locking);
}

std::string select_payments(const std::string& where, bool locking) {
  return "SELECT payment_id, order_id, account_id, amount_cents, status FROM payments WHERE " +
         where + lock_suffix(locking);
}

std::string select_accounts(const std::string& where, bool has_funded, bool locking) {
  return std::string("SELECT account_id, balance_cents, ") +
         (has_funded ? "funded_cents" : "NULL") + " FROM accounts WHERE " + where +
         lock_suffix(locking);
}

std::string show_funded_column() {
  return "SHOW COLUMNS FROM accounts LIKE 'funded_cents'";
}

std::vector<OrderRow> parse_orders(const db::Rows& rows) {
  std::vector<OrderRow> out;
  out.reserve(rows.size());
  for (const auto& row : rows.rows)
    out.push_back(
        {db::as_int(row, 0), db::as_string(row, 1), db::as_int(row, 2), db::as_string(row, 3)});
  return out;
}

std::vector<PaymentRow> parse_payments(const db::Rows& rows) {
  std::vector<PaymentRow> out;
  out.reserve(rows.size());
  for (const auto& row : rows.rows)
    out.push_back({db::as_int(row, 0), db::as_int(row, 1), db::as_string(row, 2),
                   db::as_int(row, 3), db::as_string(row, 4)});
  return out;
}

std::vector<AccountRow> parse_accounts(const db::Rows& rows) {
  std::vector<AccountRow> out;
  out.reserve(rows.size());
  for (const auto& row : rows.rows) {
    AccountRow a{db::as_string(row, 0), db::as_int(row, 1), std::nullopt};
    if (row[2]) a.funded = db::as_int(row, 2);
    out.push_back(std::move(a));
  }
  return out;
}

Report check(const Tables& tables, const Scope& scope) {
  Report report;
  std::map<std::int64_t, const OrderRow*> orders;
  for (const auto& o : tables.orders)
    orders[o.order_id] = &o;
  std::map<std::int64_t, const PaymentRow*> payments_by_order;
  std::vector<const PaymentRow*> duplicates;
  for (const auto& p : tables.payments) {
    if (!payments_by_order.emplace(p.order_id, &p).second) duplicates.push_back(&p);
  }
  std::map<std::string, const AccountRow*> accounts;
  for (const auto& a : tables.accounts)
    accounts[a.account_id] = &a;
  report.orders = orders.size();
  report.payments = tables.payments.size();
  report.accounts = accounts.size();

  for (const PaymentRow* p : duplicates) {
    add(report, 1, "more than one payment for an order",
        {{"order_id", p->order_id}, {"payment_id", p->payment_id}});
  }
  // Invariants 1 and 2, from the orders' side.
  for (const auto& [id, o] : orders) {
    auto it = payments_by_order.find(id);
    const PaymentRow* p = it == payments_by_order.end() ? nullptr : it->second;
    nlohmann::json facts{{"order_id", id},
                         {"account_id", o->account_id},
                         {"amount_cents", o->amount},
                         {"order_status", o->status}};
    if (p) {
      facts["payment_id"] = p->payment_id;
      facts["payment_status"] = p->status;
      facts["payment_amount_cents"] = p->amount;
    }
    if (o->status == "PAID") {
      if (!p || p->status != "CAPTURED") {
        add(report, 1, "paid order without a captured payment", facts);
      } else if (p->amount != o->amount || p->account_id != o->account_id) {
        add(report, 1, "paid order whose payment has another amount or account", facts);
      }
    } else if (o->status == "CANCELLED") {
      if (p && p->status != "REFUNDED")
        add(report, 2, "cancelled order with a payment that is not refunded", facts);
    } else if (o->status == "PENDING") {
      if (p) add(report, 2, "pending order with a payment", facts);
    } else {
      add(report, 2, "order with an unknown status", facts);
    }
  }
  // Invariant 1 from the payments' side: every payment belongs to an order.
  for (const auto& [order_id, p] : payments_by_order) {
    if (orders.contains(order_id)) continue;
    add(report, 1, "payment for an order that does not exist",
        {{"order_id", order_id},
         {"payment_id", p->payment_id},
         {"account_id", p->account_id},
         {"amount_cents", p->amount},
         {"payment_status", p->status}});
  }
  // Invariant 3: money is conserved, and no balance is negative.
  std::map<std::string, std::int64_t> captured;
  for (const auto& p : tables.payments) {
    if (p.status == "CAPTURED") captured[p.account_id] += p.amount;
  }
  for (const auto& [id, a] : accounts) {
    if (a->balance < 0)
      add(report, 3, "negative balance", {{"account_id", id}, {"balance_cents", a->balance}});
    if (a->funded && *a->funded - captured[id] != a->balance) {
      add(report, 3, "money not conserved",
          {{"account_id", id},
           {"funded_cents", *a->funded},
           {"captured_cents", captured[id]},
           {"balance_cents", a->balance},
           {"expected_balance_cents", *a->funded - captured[id]}});
    }
  }
  for (const auto& [account, amount] : captured) {
    if (!accounts.contains(account))
      add(report, 3, "captured payments on a missing account",
          {{"account_id", account}, {"captured_cents", amount}});
  }
  if (!tables.has_funded)
    report.notes.push_back(
        "accounts has no funded_cents column: conservation of money was not checked, only "
        "non-negative balances");

  // Invariant 4: no branch of this coordinator left prepared.
  if (scope.check_prepared) {
    for (const auto& branch : tables.prepared) {
      auto txn = txn_of_xid(branch.xid);
      if (!txn || (scope.node_id && txn->node != *scope.node_id)) continue;
      ++report.prepared_branches;
      add(report, 4, "branch left prepared",
          {{"database", branch.database},
           {"xid", branch.xid.to_string()},
           {"txn_id", txn->to_string()}});
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
