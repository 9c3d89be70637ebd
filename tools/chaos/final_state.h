// The final state the history checker (history_check.h) holds the answers against: every
// order of the accounts with a prefix, with its payment's status and transaction.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "participants/connection.h"
#include "tools/chaos/history_check.h"

namespace xacoord::chaos {

std::map<std::int64_t, FinalOrder> read_final_state(db::Connection& orders,
                                                    db::Connection& payments,
                                                    const std::string& account_prefix);

}  // namespace xacoord::chaos
