// Accounts and orders through the HTTP API, as a workload makes them while faults strike:
// sent again after "try again" answers (definite_answer.h), refused loudly otherwise.
#pragma once

#include <cstdint>
#include <string>

#include "tools/workload/definite_answer.h"

namespace xacoord::workload {

// Opens `account_id` with `balance_cents`. An account that exists already counts as
// opened: the answer to an earlier attempt was lost. Throws std::runtime_error if the
// coordinator refuses, or answers nothing definite before `give_up`.
void open_account(HttpClient& http, const std::string& account_id, std::int64_t balance_cents,
                  Clock::time_point give_up);

// A new PENDING order; its id. Throws like open_account. A lost answer that is sent again
// leaves an extra PENDING order behind, which breaks no invariant.
std::int64_t create_order(HttpClient& http, const std::string& account_id,
                          std::int64_t amount_cents, Clock::time_point give_up);

}  // namespace xacoord::workload
