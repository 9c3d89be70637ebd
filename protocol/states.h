// Transaction and branch states, and their names in the API and the logs.
//
// A transaction moves ACTIVE -> PREPARING -> COMMITTING -> COMMITTED on the commit path.
// Any failure before the commit decision is durable moves it to ABORTING -> ABORTED
// (presumed abort: no decision record means abort). COMMITTING means "decided": from
// there it only ever ends COMMITTED, however long phase two takes.
#pragma once

#include <optional>
#include <string_view>

namespace xacoord {

enum class TxnState { kActive, kPreparing, kCommitting, kCommitted, kAborting, kAborted };

enum class BranchState {
  kActive,      // XA START sent; statements may run
  kIdle,        // XA END sent
  kPrepared,    // XA PREPARE succeeded: durable on the server, waiting for phase two
  kCommitted,   // XA COMMIT (or one-phase commit) succeeded
  kRolledBack,  // XA ROLLBACK succeeded, or the server rolled it back itself
};

std::string_view name_of(TxnState state);
std::string_view name_of(BranchState state);
std::optional<TxnState> txn_state_from_name(std::string_view name);

// True once the outcome is fixed: COMMITTING and COMMITTED, ABORTING and ABORTED.
bool is_decided(TxnState state);
bool is_final(TxnState state);

}  // namespace xacoord
