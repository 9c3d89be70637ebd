// The statements of the saga log: the `saga_log` table, the same in both databases
// (compose/local/schema/*.sql; docs/architectures/saga.md, "Where the log lives"). A pay's
// row lives in xa_payments, written with its charge; a cancel's row in xa_orders, written
// with the cancel of the paid order.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/architectures/saga/saga.h"
#include "participants/rows.h"

namespace xacoord::saga::log_sql {

enum class State {
  kCharged,      // pay, open: charged, step 2 not known to have committed
  kPaid,         // pay, closed: step 2 seen committed
  kCompensated,  // pay, closed: refunded in the same local transaction as this state
  kAborted,      // pay, closed: a tombstone; the charge never committed and never will
  kRefundDue,    // cancel, open: order cancelled, refund not known to have committed
  kRefunded,     // cancel, closed: refund seen committed
};

std::string_view name_of(State state);
// Throws std::runtime_error for a state this version does not know (a newer writer).
State state_from(std::string_view text);
// The state an open saga of `kind` has in its log.
State open_state(Kind kind);

// A row as recovery reads it.
struct Row {
  std::string saga_id;
  Kind kind = Kind::kPay;
  std::int64_t order_id = 0;
  std::string account_id;
  std::int64_t amount_cents = 0;
  State state = State::kCharged;
  std::optional<IdempotencyKey> key;
  std::chrono::milliseconds age{0};  // since the row was written (its first step committed)
};

// The row of `saga` in `state`. The first statement of a saga's first step: its key, unique,
// is what a tombstone (kAborted) races for when the step's answer was lost.
std::string insert_sql(const Saga& saga, const std::string& node_id, State state);
// The row's state, locked until the end of the local transaction (nothing if no row).
std::string lock_state_sql(const std::string& saga_id);
std::string state_sql(const std::string& saga_id);
std::optional<State> state_from_rows(const db::Rows& rows);
std::string set_state_sql(const std::string& saga_id, State state);
// Closes many rows at once: `from` -> `to` for those still in `from`.
std::string close_sql(const std::vector<std::string>& saga_ids, State from, State to);
// Open rows of `node_id` of `kind` after `after_id` (by key), at most `limit`: recovery pages
// through them.
std::string list_open_sql(const std::string& node_id, Kind kind, const std::string& after_id,
                          int limit);
std::vector<Row> rows_from(const db::Rows& rows);

}  // namespace xacoord::saga::log_sql
