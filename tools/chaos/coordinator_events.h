// What chaos reads back from the coordinator's event log (one JSON object a line on its
// stderr, docs/api.md "Event log"): the recovery a restart ran, and how the transactions of a
// run ended, across every coordinator process the run needed.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace xacoord::chaos {

// The event lines of `path` from byte `offset` on (other lines skipped).
std::vector<nlohmann::json> read_events(const std::string& path, std::uint64_t offset);
// Where the next line of `path` will start (0 if it does not exist yet).
std::uint64_t log_size(const std::string& path);

// The `recovery_started` line of a restarted coordinator: what it found open.
struct RecoveryFound {
  std::size_t open_decisions = 0;  // commit decisions logged and not finished: to commit
  std::size_t to_roll_back = 0;    // prepared without a decision: to roll back
};
std::optional<RecoveryFound> first_recovery_started(const std::vector<nlohmann::json>& events);

// Transactions of the given orders that ended aborted, from their `transaction` lines.
struct AbortCounts {
  // Rolled back after writing something (a refused debit, a fault, a deadline): nothing of
  // it stays.
  std::size_t aborted = 0;
  // Ended without writing anything: a pay of an order no longer payable (409), a cancel of
  // a cancelled order, an answer replayed from its Idempotency-Key, an unknown order.
  std::size_t refused = 0;
};
AbortCounts count_aborts(const std::vector<nlohmann::json>& events,
                         const std::set<std::int64_t>& orders);

}  // namespace xacoord::chaos
