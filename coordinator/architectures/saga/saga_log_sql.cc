#include "coordinator/architectures/saga/saga_log_sql.h"

#include <algorithm>
#include <stdexcept>

#include "participants/sql_text.h"

namespace xacoord::saga::log_sql {

namespace {

constexpr State kStates[] = {State::kCharged, State::kPaid,      State::kCompensated,
                             State::kAborted, State::kRefundDue, State::kRefunded};

std::string state_literal(State state) {
  return db::quote(name_of(state));
}

}  // namespace

std::string_view name_of(State state) {
  switch (state) {
    case State::kCharged:
      return "CHARGED";
    case State::kPaid:
      return "PAID";
    case State::kCompensated:
      return "COMPENSATED";
    case State::kAborted:
      return "ABORTED";
    case State::kRefundDue:
      return "REFUND_DUE";
    case State::kRefunded:
      return "REFUNDED";
  }
  return "UNKNOWN";
}

State state_from(std::string_view text) {
  for (State s : kStates) {
    if (name_of(s) == text) return s;
  }
  throw std::runtime_error("saga_log holds an unknown state '" + std::string(text) + "'");
}

State open_state(Kind kind) {
  return kind == Kind::kPay ? State::kCharged : State::kRefundDue;
}

std::string insert_sql(const Saga& saga, const std::string& node_id, State state) {
  std::string key = "NULL", fingerprint = "NULL";
  if (saga.key) {
    key = db::hex_literal(saga.key->key);
    fingerprint = db::quote(saga.key->fingerprint);
  }
  return "INSERT INTO saga_log (saga_id, node_id, kind, order_id, account_id, amount_cents, "
         "state, idem_key, fingerprint) VALUES (" +
         db::quote(saga.id) + ", " + db::quote(node_id) + ", " + db::quote(name_of(saga.kind)) +
         ", " + std::to_string(saga.order_id) + ", " + db::quote(saga.account_id) + ", " +
         std::to_string(saga.amount_cents) + ", " + state_literal(state) + ", " + key + ", " +
         fingerprint + ")";
}

std::string lock_state_sql(const std::string& saga_id) {
  return state_sql(saga_id) + " FOR UPDATE";
}

std::string state_sql(const std::string& saga_id) {
  return "SELECT state FROM saga_log WHERE saga_id = " + db::quote(saga_id);
}

std::optional<State> state_from_rows(const db::Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return state_from(db::as_string(rows[0], 0));
}

std::string set_state_sql(const std::string& saga_id, State state) {
  return "UPDATE saga_log SET state = " + state_literal(state) +
         " WHERE saga_id = " + db::quote(saga_id);
}

std::string close_sql(const std::vector<std::string>& saga_ids, State from, State to) {
  std::string list;
  for (const auto& id : saga_ids)
    list += (list.empty() ? "" : ", ") + db::quote(id);
  return "UPDATE saga_log SET state = " + state_literal(to) +
         " WHERE state = " + state_literal(from) + " AND saga_id IN (" + list + ")";
}

std::string list_open_sql(const std::string& node_id, Kind kind, const std::string& after_id,
                          int limit) {
  return "SELECT saga_id, kind, order_id, account_id, amount_cents, state, idem_key, "
         "fingerprint, TIMESTAMPDIFF(MICROSECOND, created_at, NOW(6)) DIV 1000 FROM saga_log "
         "WHERE node_id = " +
         db::quote(node_id) + " AND state = " + state_literal(open_state(kind)) +
         " AND saga_id > " + db::quote(after_id) + " ORDER BY saga_id LIMIT " +
         std::to_string(limit);
}

std::vector<Row> rows_from(const db::Rows& rows) {
  std::vector<Row> out;
  for (const auto& r : rows.rows) {
    Row row;
    row.saga_id = db::as_string(r, 0);
    const std::string& kind = db::as_string(r, 1);
    if (kind != "pay" && kind != "cancel")
      throw std::runtime_error("saga_log holds an unknown kind '" + kind + "'");
    row.kind = kind == "pay" ? Kind::kPay : Kind::kCancel;
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

}  // namespace xacoord::saga::log_sql
