#include "tests/coordinator/architectures/saga/saga_fixture.h"

#include "tools/report/prometheus_text.h"

namespace xacoord::test {

CoordinatorOptions saga_options(const DbPair& pair, const std::string& node_id) {
  CoordinatorOptions options = CoordinatorOptions::for_pair(pair);
  options.node_id = node_id;
  options.extra_args = quick_recovery_flags();
  options.extra_args.push_back("--architecture");
  options.extra_args.push_back("saga");
  return options;
}

std::unique_ptr<CoordinatorProcess> start_saga(const DbPair& pair, const std::string& node_id,
                                               std::vector<std::string> extra) {
  CoordinatorOptions options = CoordinatorOptions::for_pair(pair);
  options.node_id = node_id;
  extra.insert(extra.begin(), {"--architecture", "saga"});  // start_ready sets extra_args
  return start_ready(options, std::move(extra));
}

std::optional<std::string> saga_log_state(const DbPair& pair, const std::string& server,
                                          const std::string& saga_id) {
  auto rows =
      pair.connect(server)->query("SELECT state FROM saga_log WHERE saga_id = '" + saga_id + "'");
  if (rows.empty()) return std::nullopt;
  return db::as_string(rows[0], 0);
}

std::vector<std::string> saga_log_of_order(const DbPair& pair, const std::string& server,
                                           std::int64_t order_id) {
  auto rows = pair.connect(server)->query(
      "SELECT kind, state FROM saga_log WHERE order_id = " + std::to_string(order_id) +
      " ORDER BY created_at, saga_id");
  std::vector<std::string> out;
  for (const auto& r : rows.rows)
    out.push_back(db::as_string(r, 0) + ":" + db::as_string(r, 1));
  return out;
}

std::string payment_in_db(const DbPair& pair, std::int64_t order_id) {
  auto rows = pair.connect("payments")
                  ->query("SELECT status, txn_id, refund_txn_id FROM payments WHERE order_id = " +
                          std::to_string(order_id));
  if (rows.empty()) return "none";
  const auto& r = rows[0];
  return db::as_string(r, 0) + " " + r[1].value_or("-") + " " + r[2].value_or("-");
}

std::int64_t balance_in_db(const DbPair& pair, const std::string& account_id) {
  auto rows =
      pair.connect("payments")
          ->query("SELECT balance_cents FROM accounts WHERE account_id = '" + account_id + "'");
  return rows.empty() ? -1 : db::as_int(rows[0], 0);
}

double metric(HttpClient& client, const std::string& series) {
  return report::parse_prometheus_text(client.get("/metrics").body).value(series).value_or(0);
}

}  // namespace xacoord::test
