#include "tests/coordinator/architectures/tcc/tcc_fixture.h"

#include <algorithm>

namespace xacoord::test {

CoordinatorOptions tcc_options(const DbPair& pair, const std::string& node_id) {
  CoordinatorOptions options = CoordinatorOptions::for_pair(pair);
  options.node_id = node_id;
  options.extra_args = quick_recovery_flags();
  options.extra_args.push_back("--architecture");
  options.extra_args.push_back("tcc");
  return options;
}

std::unique_ptr<CoordinatorProcess> start_tcc(const DbPair& pair, const std::string& node_id,
                                              std::vector<std::string> extra) {
  CoordinatorOptions options = CoordinatorOptions::for_pair(pair);
  options.node_id = node_id;
  extra.insert(extra.begin(), {"--architecture", "tcc"});  // start_ready sets extra_args
  return start_ready(options, std::move(extra));
}

std::vector<std::string> tcc_globals_of_order(const DbPair& pair, std::int64_t order_id) {
  auto rows = pair.connect("orders")->query("SELECT kind, state FROM tcc_global WHERE order_id = " +
                                            std::to_string(order_id) + " ORDER BY created_at, gid");
  std::vector<std::string> out;
  for (const auto& r : rows.rows)
    out.push_back(db::as_string(r, 0) + ":" + db::as_string(r, 1));
  return out;
}

std::vector<std::string> barrier_rows(const DbPair& pair, const std::string& server,
                                      const std::string& gid) {
  auto rows = pair.connect(server)->query(
      "SELECT branch, op, reason FROM tcc_barrier WHERE gid = '" + gid + "'");
  std::vector<std::string> out;
  for (const auto& r : rows.rows)
    out.push_back(db::as_string(r, 0) + "." + db::as_string(r, 1) + ":" + db::as_string(r, 2));
  std::sort(out.begin(), out.end());
  return out;
}

std::int64_t frozen_in_db(const DbPair& pair, const std::string& account_id) {
  auto rows = pair.connect("payments")
                  ->query(
                      "SELECT COALESCE(SUM(amount_cents), 0) FROM tcc_frozen WHERE "
                      "account_id = '" +
                      account_id + "'");
  return db::as_int(rows[0], 0);
}

std::string tcc_payment_in_db(const DbPair& pair, std::int64_t order_id) {
  auto rows = pair.connect("payments")
                  ->query("SELECT status, txn_id, refund_txn_id FROM payments WHERE order_id = " +
                          std::to_string(order_id));
  if (rows.empty()) return "none";
  const auto& r = rows[0];
  return db::as_string(r, 0) + " " + r[1].value_or("-") + " " + r[2].value_or("-");
}

std::int64_t tcc_balance_in_db(const DbPair& pair, const std::string& account_id) {
  auto rows =
      pair.connect("payments")
          ->query("SELECT balance_cents FROM accounts WHERE account_id = '" + account_id + "'");
  return rows.empty() ? -1 : db::as_int(rows[0], 0);
}

}  // namespace xacoord::test
