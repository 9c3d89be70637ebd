// What the tcc architecture's tests share: a tcc coordinator on the suite's MariaDB pair,
// and the tcc tables' rows read straight from the databases.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tests/coordinator/recovery/recovery_fixture.h"

namespace xacoord::test {

// `serve --architecture tcc` on the shared pair with quick recovery flags.
CoordinatorOptions tcc_options(const DbPair& pair, const std::string& node_id);
// Started, and waited for until ready (throws if it never is).
std::unique_ptr<CoordinatorProcess> start_tcc(const DbPair& pair, const std::string& node_id,
                                              std::vector<std::string> extra = {});

// The tcc_global rows of one order: "<kind>:<state>" each, oldest first.
std::vector<std::string> tcc_globals_of_order(const DbPair& pair, std::int64_t order_id);
// The barrier rows of a global transaction in "orders" or "payments": "<branch>.<op>:<reason>"
// each, sorted.
std::vector<std::string> barrier_rows(const DbPair& pair, const std::string& server,
                                      const std::string& gid);
// Funds held in tcc_frozen for an account (0 when none).
std::int64_t frozen_in_db(const DbPair& pair, const std::string& account_id);
// The payment of an order: "<status> <txn_id> <refund_txn_id>", or "none".
std::string tcc_payment_in_db(const DbPair& pair, std::int64_t order_id);
std::int64_t tcc_balance_in_db(const DbPair& pair, const std::string& account_id);

}  // namespace xacoord::test
