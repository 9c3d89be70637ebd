#include "protocol/states.h"

namespace xacoord {

std::string_view name_of(TxnState state) {
  switch (state) {
    case TxnState::kActive:
      return "ACTIVE";
    case TxnState::kPreparing:
      return "PREPARING";
    case TxnState::kCommitting:
      return "COMMITTING";
    case TxnState::kCommitted:
      return "COMMITTED";
    case TxnState::kAborting:
      return "ABORTING";
    case TxnState::kAborted:
      return "ABORTED";
  }
  return "UNKNOWN";
}

std::string_view name_of(BranchState state) {
  switch (state) {
    case BranchState::kActive:
      return "ACTIVE";
    case BranchState::kIdle:
      return "IDLE";
    case BranchState::kPrepared:
      return "PREPARED";
    case BranchState::kCommitted:
      return "COMMITTED";
    case BranchState::kRolledBack:
      return "ROLLED_BACK";
  }
  return "UNKNOWN";
}

std::optional<TxnState> txn_state_from_name(std::string_view name) {
  for (auto s : {TxnState::kActive, TxnState::kPreparing, TxnState::kCommitting,
                 TxnState::kCommitted, TxnState::kAborting, TxnState::kAborted}) {
    if (name_of(s) == name) return s;
  }
  return std::nullopt;
}

bool is_decided(TxnState state) {
  return state != TxnState::kActive && state != TxnState::kPreparing;
}

bool is_final(TxnState state) {
  return state == TxnState::kCommitted || state == TxnState::kAborted;
}

}  // namespace xacoord
