#include "coordinator/observability/invariant_check.h"

#include <map>
#include <set>

#include "coordinator/observability/invariant_rules.h"
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
  std::set<std::int64_t> order_ids;
  for (const auto& o : tables.orders)
    order_ids.insert(o.order_id);
  std::set<std::string> account_ids;
  for (const auto& a : tables.accounts)
    account_ids.insert(a.account_id);
  report.orders = order_ids.size();
  report.payments = tables.payments.size();
  report.accounts = account_ids.size();
  // Invariants 1-3: the rules every checker shares (invariant_rules.h), over whole tables.
  InvariantRows rows;
  rows.orders = tables.orders;
  rows.payments = tables.payments;
  rows.accounts = tables.accounts;
  rows.in_flight_statuses = scope.in_flight_statuses;
  report.discrepancies = check_invariants(rows);
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
