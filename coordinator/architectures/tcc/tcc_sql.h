// The statements of the `tcc` architecture's own tables (compose/local/schema/*.sql;
// docs/architectures/tcc.md): the barrier (both databases), the global transactions'
// rows (xa_orders), the frozen funds (xa_payments).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/architectures/tcc/tcc_txn.h"
#include "participants/rows.h"

namespace xacoord::tcc::sql {

// ---- the barrier ----

enum class Branch { kOrders, kPayments };
enum class Op { kTry, kConfirm, kCancel };
std::string_view name_of(Branch branch);
std::string_view name_of(Op op);

// What the barrier says about a step, read in the step's own local transaction.
enum class Verdict {
  kFirst,             // the first time: do the step's work
  kRepeat,            // this step committed before: do nothing
  kNullCompensation,  // a Cancel whose Try never ran: record it, do nothing else
  kHanging,           // a Try that arrives after its Cancel: do nothing, ever
};
std::string_view name_of(Verdict verdict);

// The statements that open a step's barrier, inside its local transaction. A Cancel
// inserts its own row, then the Try's (reason 'cancel'). Each insert is INSERT
// IGNORE followed by SELECT ROW_COUNT(); the last statement reads the Try's row back with
// a lock. An insert that meets an uncommitted row of a running step waits for that step.
std::vector<std::string> barrier_sql(const std::string& gid, Branch branch, Op op);
// The verdict, from the results of barrier_sql (exactly those, in order).
Verdict verdict_from(Op op, const db::Results& results);

// Settles a step whose answer was lost, outside any step: inserts the step's row as a
// Cancel inserts a Try's (reason 'cancel') and reads it back. If the insert went in, the
// step never committed and never will; if the row is the step's own, it committed. A step
// still running in the server (its COMMIT delayed by the network) is waited for on the
// row's lock.
std::vector<std::string> probe_sql(const std::string& gid, Branch branch, Op op);
bool committed_from(Op op, const db::Results& results);
inline std::vector<std::string> probe_try_sql(const std::string& gid, Branch branch) {
  return probe_sql(gid, branch, Op::kTry);
}
inline bool tried_from(const db::Results& results) {
  return committed_from(Op::kTry, results);
}

// ---- tcc_global (xa_orders) ----

enum class State { kTrying, kConfirming, kCancelling, kConfirmed, kCancelled };
std::string_view name_of(State state);
// Throws std::runtime_error for a state this version does not know.
State state_from(std::string_view text);
bool decided_confirm(State state);

std::string insert_global_sql(const Txn& txn, const std::string& node_id, State state);
// The row's state, locked until the end of the local transaction (no row: nothing).
std::string lock_global_sql(const std::string& gid);
std::optional<State> state_from_rows(const db::Rows& rows);
std::string set_state_sql(const std::string& gid, State state);

// A row as recovery reads it.
struct GlobalRow {
  std::string gid;
  Kind kind = Kind::kPay;
  std::int64_t order_id = 0;
  std::string account_id;
  std::int64_t amount_cents = 0;
  State state = State::kTrying;
  std::optional<IdempotencyKey> key;
  std::chrono::milliseconds age{0};  // since the row was inserted
};
// Open rows (TRYING, CONFIRMING, CANCELLING) of `node_id` after `after_gid`, at most `limit`.
std::string list_open_sql(const std::string& node_id, const std::string& after_gid, int limit);
// The row of one transaction, whatever its node (a cancel that meets a PAYING order).
std::string find_global_sql(const std::string& gid);
std::vector<GlobalRow> rows_from(const db::Rows& rows);

// ---- tcc_frozen (xa_payments) ----

// The Try: debit the balance (CHECK balance_not_negative refuses a short one) and hold the
// amount in tcc_frozen (its FOREIGN KEY refuses an unknown account).
std::vector<std::string> freeze_sql(const Txn& txn);
std::string lock_frozen_sql(const std::string& gid);
// Confirm: the frozen amount becomes a CAPTURED payment.
std::vector<std::string> capture_frozen_sql(const Txn& txn);
// Cancel: the frozen amount goes back to the balance.
std::vector<std::string> release_frozen_sql(const Txn& txn);

}  // namespace xacoord::tcc::sql
