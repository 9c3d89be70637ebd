// The invariant checker (contract §4): reads xa_orders and xa_payments — only the
// contract's tables — and lists every discrepancy, grouped by invariant. Used by
// `xacoord reconcile`, by the chaos runs and by the tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "participants/connection.h"
#include "tools/reconcile/invariant_rules.h"

namespace xacoord::reconcile {

struct Report {
  std::size_t orders = 0;
  std::size_t payments = 0;
  std::size_t accounts = 0;
  std::size_t prepared_branches = 0;
  std::vector<Discrepancy> discrepancies;
  std::vector<std::string> notes;  // what could not be checked, and why

  bool ok() const { return discrepancies.empty(); }
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

// `LIKE '<prefix>%'` with the prefix's wildcards escaped, quoted for SQL.
std::string like_prefix_sql(const std::string& prefix);

// Reads both databases (a read-only snapshot each) and checks invariants 1-4.
Report check(db::Connection& orders, db::Connection& payments, const Scope& scope = {});

}  // namespace xacoord::reconcile
