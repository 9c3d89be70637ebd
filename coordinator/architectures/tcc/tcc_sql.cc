#include "coordinator/architectures/tcc/tcc_sql.h"

#include <algorithm>
#include <stdexcept>

#include "participants/payments_sql.h"
#include "participants/sql_text.h"

namespace xacoord::tcc::sql {

namespace {

constexpr State kStates[] = {State::kTrying, State::kConfirming, State::kCancelling,
                             State::kConfirmed, State::kCancelled};

std::string literal(State state) {
  return db::quote(name_of(state));
}

std::string insert_ignore(const std::string& gid, Branch branch, Op op, Op reason) {
  return "INSERT IGNORE INTO tcc_barrier (gid, branch, op, reason) VALUES (" + db::quote(gid) +
         ", " + db::quote(name_of(branch)) + ", " + db::quote(name_of(op)) + ", " +
         db::quote(name_of(reason)) + ")";
}

std::string try_row_sql(const std::string& gid, Branch branch) {
  return "SELECT reason FROM tcc_barrier WHERE gid = " + db::quote(gid) +
         " AND branch = " + db::quote(name_of(branch)) + " AND op = 'try' FOR UPDATE";
}

bool inserted(const db::Results& results, std::size_t i) {
  return db::single_int(*results.at(i)) == 1;
}

std::string try_reason(const db::Results& results, std::size_t i) {
  const db::Rows& rows = *results.at(i);
  return rows.empty() ? "" : db::as_string(rows[0], 0);
}

}  // namespace

std::string_view name_of(Branch branch) {
  return branch == Branch::kOrders ? "orders" : "payments";
}

std::string_view name_of(Op op) {
  switch (op) {
    case Op::kTry:
      return "try";
    case Op::kConfirm:
      return "confirm";
    case Op::kCancel:
      return "cancel";
  }
  return "unknown";
}

std::string_view name_of(Verdict verdict) {
  switch (verdict) {
    case Verdict::kFirst:
      return "first";
    case Verdict::kRepeat:
      return "repeat";
    case Verdict::kNullCompensation:
      return "null_compensation";
    case Verdict::kHanging:
      return "hanging";
  }
  return "unknown";
}

std::vector<std::string> barrier_sql(const std::string& gid, Branch branch, Op op) {
  std::vector<std::string> out;
  out.push_back(insert_ignore(gid, branch, op, op));
  out.push_back("SELECT ROW_COUNT()");
  if (op == Op::kCancel) {
    // Its own row first, the Try's second: (gid, branch, 'cancel') sorts before 'try', so a
    // second Cancel waiting on the first one's row never holds the gap the first one's
    // insert of the Try's row goes into (an InnoDB deadlock otherwise).
    out.push_back(insert_ignore(gid, branch, Op::kTry, Op::kCancel));
    out.push_back("SELECT ROW_COUNT()");
  }
  out.push_back(try_row_sql(gid, branch));
  return out;
}

Verdict verdict_from(Op op, const db::Results& results) {
  switch (op) {
    case Op::kTry:
      // Not inserted: the row is the Try's own (a repeat) or a Cancel's (too late).
      if (inserted(results, 1)) return Verdict::kFirst;
      return try_reason(results, 2) == "cancel" ? Verdict::kHanging : Verdict::kRepeat;
    case Op::kConfirm:
      return inserted(results, 1) ? Verdict::kFirst : Verdict::kRepeat;
    case Op::kCancel:
      if (!inserted(results, 1)) return Verdict::kRepeat;
      // The Try's row is a Cancel's (this one's, or a probe's): the Try never committed.
      return try_reason(results, 4) == "cancel" ? Verdict::kNullCompensation : Verdict::kFirst;
  }
  return Verdict::kRepeat;
}

std::vector<std::string> probe_sql(const std::string& gid, Branch branch, Op op) {
  return {insert_ignore(gid, branch, op, Op::kCancel),
          "SELECT reason FROM tcc_barrier WHERE gid = " + db::quote(gid) + " AND branch = " +
              db::quote(name_of(branch)) + " AND op = " + db::quote(name_of(op)) + " FOR UPDATE"};
}

bool committed_from(Op op, const db::Results& results) {
  return try_reason(results, 1) == name_of(op);
}

std::string_view name_of(State state) {
  switch (state) {
    case State::kTrying:
      return "TRYING";
    case State::kConfirming:
      return "CONFIRMING";
    case State::kCancelling:
      return "CANCELLING";
    case State::kConfirmed:
      return "CONFIRMED";
    case State::kCancelled:
      return "CANCELLED";
  }
  return "UNKNOWN";
}

State state_from(std::string_view text) {
  for (State s : kStates) {
    if (name_of(s) == text) return s;
  }
  throw std::runtime_error("tcc_global holds an unknown state '" + std::string(text) + "'");
}

bool decided_confirm(State state) {
  return state == State::kConfirming || state == State::kConfirmed;
}

std::string insert_global_sql(const Txn& txn, const std::string& node_id, State state) {
  std::string key = "NULL", fingerprint = "NULL";
  if (txn.key) {
    key = db::hex_literal(txn.key->key);
    fingerprint = db::quote(txn.key->fingerprint);
  }
  return "INSERT INTO tcc_global (gid, node_id, kind, order_id, account_id, amount_cents, state, "
         "idem_key, fingerprint) VALUES (" +
         db::quote(txn.gid) + ", " + db::quote(node_id) + ", " + db::quote(name_of(txn.kind)) +
         ", " + std::to_string(txn.order_id) + ", " + db::quote(txn.account_id) + ", " +
         std::to_string(txn.amount_cents) + ", " + literal(state) + ", " + key + ", " +
         fingerprint + ")";
}

std::string lock_global_sql(const std::string& gid) {
  return "SELECT state FROM tcc_global WHERE gid = " + db::quote(gid) + " FOR UPDATE";
}

std::optional<State> state_from_rows(const db::Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return state_from(db::as_string(rows[0], 0));
}

std::string set_state_sql(const std::string& gid, State state) {
  return "UPDATE tcc_global SET state = " + literal(state) + " WHERE gid = " + db::quote(gid);
}

namespace {
constexpr const char* kGlobalColumns =
    "SELECT gid, kind, order_id, account_id, amount_cents, state, idem_key, fingerprint, "
    "TIMESTAMPDIFF(MICROSECOND, created_at, NOW(6)) DIV 1000 FROM tcc_global ";
}

std::string list_open_sql(const std::string& node_id, const std::string& after_gid, int limit) {
  return std::string(kGlobalColumns) + "WHERE node_id = " + db::quote(node_id) + " AND state IN (" +
         literal(State::kTrying) + ", " + literal(State::kConfirming) + ", " +
         literal(State::kCancelling) + ") AND gid > " + db::quote(after_gid) +
         " ORDER BY gid LIMIT " + std::to_string(limit);
}

std::string find_global_sql(const std::string& gid) {
  return std::string(kGlobalColumns) + "WHERE gid = " + db::quote(gid);
}

std::vector<GlobalRow> rows_from(const db::Rows& rows) {
  std::vector<GlobalRow> out;
  for (const auto& r : rows.rows) {
    GlobalRow row;
    row.gid = db::as_string(r, 0);
    const std::string& kind = db::as_string(r, 1);
    if (kind != "pay" && kind != "refund")
      throw std::runtime_error("tcc_global holds an unknown kind '" + kind + "'");
    row.kind = kind == "pay" ? Kind::kPay : Kind::kRefund;
    row.order_id = db::as_int(r, 2);
    row.account_id = db::as_string(r, 3);
    row.amount_cents = db::as_int(r, 4);
    row.state = state_from(db::as_string(r, 5));
    if (r[6] && r[7]) row.key = IdempotencyKey{*r[6], *r[7]};
    row.age = std::chrono::milliseconds(std::max<std::int64_t>(0, db::as_int(r, 8)));
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<std::string> freeze_sql(const Txn& txn) {
  return {
      "UPDATE accounts SET balance_cents = balance_cents - " + std::to_string(txn.amount_cents) +
          " WHERE account_id = " + db::quote(txn.account_id),
      "INSERT INTO tcc_frozen (gid, order_id, account_id, amount_cents) VALUES (" +
          db::quote(txn.gid) + ", " + std::to_string(txn.order_id) + ", " +
          db::quote(txn.account_id) + ", " + std::to_string(txn.amount_cents) + ")",
  };
}

std::string lock_frozen_sql(const std::string& gid) {
  return "SELECT order_id, account_id, amount_cents FROM tcc_frozen WHERE gid = " + db::quote(gid) +
         " FOR UPDATE";
}

std::vector<std::string> capture_frozen_sql(const Txn& txn) {
  return {
      "DELETE FROM tcc_frozen WHERE gid = " + db::quote(txn.gid),
      "INSERT INTO payments (payment_id, order_id, account_id, amount_cents, status, txn_id) "
      "VALUES (" +
          std::to_string(db::payments::payment_id_for(txn.order_id)) + ", " +
          std::to_string(txn.order_id) + ", " + db::quote(txn.account_id) + ", " +
          std::to_string(txn.amount_cents) + ", 'CAPTURED', " + db::quote(txn.gid) + ")",
  };
}

std::vector<std::string> release_frozen_sql(const Txn& txn) {
  return {
      "UPDATE accounts SET balance_cents = balance_cents + " + std::to_string(txn.amount_cents) +
          " WHERE account_id = " + db::quote(txn.account_id),
      "DELETE FROM tcc_frozen WHERE gid = " + db::quote(txn.gid),
  };
}

}  // namespace xacoord::tcc::sql
