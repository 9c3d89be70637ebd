// What the saga architecture's tests share: a saga coordinator on the suite's MariaDB pair,
// the saga log's rows read straight from the databases, and the saga's metrics.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tests/coordinator/recovery/recovery_fixture.h"

namespace xacoord::test {

// `serve --architecture saga` on the shared pair with quick recovery flags.
CoordinatorOptions saga_options(const DbPair& pair, const std::string& node_id);
// Started, and waited for until ready (throws if it never is).
std::unique_ptr<CoordinatorProcess> start_saga(const DbPair& pair, const std::string& node_id,
                                               std::vector<std::string> extra = {});

// The state of the saga_log row of `saga_id` in "orders" or "payments", if there is one.
std::optional<std::string> saga_log_state(const DbPair& pair, const std::string& server,
                                          const std::string& saga_id);
// The saga_log rows of one order in a database: "<kind>:<state>" each, oldest first.
std::vector<std::string> saga_log_of_order(const DbPair& pair, const std::string& server,
                                           std::int64_t order_id);
// The payment of an order as the payments database holds it: "<status> <txn_id>
// <refund_txn_id>", or "none".
std::string payment_in_db(const DbPair& pair, std::int64_t order_id);

// The account's balance read from the payments database itself.
std::int64_t balance_in_db(const DbPair& pair, const std::string& account_id);

// A counter or gauge of /metrics (a series as rendered, labels included), 0 if absent.
double metric(HttpClient& client, const std::string& series);

}  // namespace xacoord::test
