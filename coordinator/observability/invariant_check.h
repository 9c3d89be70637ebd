// The invariants of docs/reliability.md ("The checkers"; contract §4) as pure logic: rows
// of xa_orders and xa_payments in, every discrepancy out, grouped by invariant. How the rows
// are read is the caller's: `xacoord reconcile` (tools/reconcile/) reads them on blocking
// connections, the coordinator's scheduled run (scheduled_reconciliation.h) on its own
// sessions. Both use the SQL text below, so both read the same columns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "participants/rows.h"
#include "protocol/xid.h"

namespace xacoord::reconcile {

struct Discrepancy {
  int invariant = 0;     // 1-4, as numbered in contract §4
  std::string problem;   // a short kind, e.g. "paid order without captured payment"
  nlohmann::json facts;  // order ids, amounts, accounts

  // What the discrepancy is about, to match a snapshot's finding with a re-check's:
  // "order:<id>", "account:<id>" or "xid:<xid>".
  std::string subject() const;
};

struct Report {
  std::size_t orders = 0;
  std::size_t payments = 0;
  std::size_t accounts = 0;
  std::size_t prepared_branches = 0;
  std::vector<Discrepancy> discrepancies;
  std::vector<std::string> notes;  // what could not be checked, and why

  bool ok() const { return discrepancies.empty(); }
  std::size_t count(int invariant) const;
  nlohmann::json to_json() const;
  std::string to_text() const;
};

struct Scope {
  // Only accounts (and their orders and payments) whose id starts with this.
  std::string account_prefix;
  // Invariant 4 counts branches with xacoord's format id; with a node id, only that node's.
  std::optional<std::string> node_id;
  bool check_prepared = true;
};

struct OrderRow {
  std::int64_t order_id = 0;
  std::string account_id;
  std::int64_t amount = 0;
  std::string status;
};

struct PaymentRow {
  std::int64_t payment_id = 0;
  std::int64_t order_id = 0;
  std::string account_id;
  std::int64_t amount = 0;
  std::string status;
};

struct AccountRow {
  std::string account_id;
  std::int64_t balance = 0;
  std::optional<std::int64_t> funded;  // without funded_cents, conservation is not checked
};

struct PreparedBranch {
  std::string database;  // "orders" | "payments"
  Xid xid;
};

// What one check reads. Orders from one snapshot, payments and accounts from another.
struct Tables {
  std::vector<OrderRow> orders;
  std::vector<PaymentRow> payments;
  std::vector<AccountRow> accounts;
  bool has_funded = true;
  std::vector<PreparedBranch> prepared;  // every prepared branch; check() filters by scope
};

// Checks invariants 1-4 over `tables` (invariant 4 only with scope.check_prepared).
Report check(const Tables& tables, const Scope& scope = {});

// The SQL text both readers use. `where` is a complete condition ("account_id LIKE ...",
// "order_id IN (1,2)"); `locking` appends LOCK IN SHARE MODE, which waits for the
// transactions that hold the rows (a prepared XA branch included) and then keeps them from
// changing until the reader's transaction ends.
std::string where_account_prefix(const std::string& prefix);
std::string select_orders(const std::string& where, bool locking = false);
std::string select_payments(const std::string& where, bool locking = false);
// `has_funded`: whether accounts has the funded_cents column (show_funded_column()).
std::string select_accounts(const std::string& where, bool has_funded, bool locking = false);
std::string show_funded_column();
std::vector<OrderRow> parse_orders(const db::Rows& rows);
std::vector<PaymentRow> parse_payments(const db::Rows& rows);
std::vector<AccountRow> parse_accounts(const db::Rows& rows);

}  // namespace xacoord::reconcile
