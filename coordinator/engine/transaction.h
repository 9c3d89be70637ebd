// A global transaction and its branches, as the coordinator tracks them in memory.
// Owned and touched only on the coordinator's io_context thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include "participants/pool.h"
#include "protocol/states.h"
#include "protocol/txn_id.h"
#include "protocol/xid.h"

namespace xacoord {

struct Branch {
  std::string participant;
  Xid xid;
  db::Pool* pool = nullptr;  // null for branches recovered after a restart
  bool started = false;      // XA START went out (it travels with the first statements)
  BranchState state = BranchState::kActive;
  // XA PREPARE went out but its answer was lost with the session: the server may hold the
  // branch prepared. Only a fresh XA RECOVER can tell.
  bool maybe_prepared = false;
  // A statement of this branch is on its lane right now (what a deadline interrupts).
  bool busy = false;
  db::Lease lease;  // the session that holds the branch until phase two is over
};

struct Transaction : std::enable_shared_from_this<Transaction> {
  TxnId id;
  std::string id_text;
  std::string kind;  // pay | cancel | recovered
  std::optional<std::int64_t> order_id;
  TxnState state = TxnState::kActive;
  std::chrono::system_clock::time_point started_at;
  std::optional<std::chrono::system_clock::time_point> decided_at;
  std::chrono::steady_clock::time_point began;
  std::chrono::steady_clock::time_point deadline;
  std::deque<Branch> branches;        // a deque: Branch& stays valid as branches are added
  std::optional<std::string> error;   // why it aborted
  std::size_t phase_two_pending = 0;  // branches whose phase two recovery is retrying
  bool recovered = false;             // rebuilt from the log or XA RECOVER after a restart
  bool forced = false;                // an operator's heuristic decision is logged for it
  // Fires at the deadline: interrupts the statements still running before the decision.
  std::shared_ptr<boost::asio::steady_timer> watchdog;
  bool deadline_interrupted = false;  // the watchdog interrupted a statement of it

  // Waiting for phase two somewhere: what GET /v1/transactions?state=in_doubt lists.
  bool in_doubt() const { return phase_two_pending > 0; }
};

}  // namespace xacoord
