#include "coordinator/engine/transaction.h"

#include "common/check.h"

namespace xacoord {

namespace {

std::string where(const Transaction& t) {
  return "transaction " + t.id_text() + " in state " + std::string(name_of(t.state()));
}

}  // namespace

Transaction::Transaction(Identity identity, Finisher& finisher)
    : identity_(std::move(identity)), id_text_(identity_.id.to_string()), finisher_(finisher) {}

void Transaction::start_prepare() {
  XA_CHECK(state_ == TxnState::kActive, where(*this) + " cannot start to prepare");
  state_ = TxnState::kPreparing;
}

void Transaction::decide_commit(WallTime at, bool recorded) {
  // A one-phase commit decides from ACTIVE; two-phase commit only after every prepare.
  XA_CHECK(state_ == TxnState::kPreparing || (state_ == TxnState::kActive && !recorded),
           where(*this) + " cannot decide to commit");
  XA_CHECK(with_engine_, where(*this) + " decided to commit outside the engine");
  state_ = TxnState::kCommitting;
  decided_at_ = at;
  recorded_ = recorded;
}

void Transaction::decide_abort(std::string reason, WallTime at) {
  XA_CHECK(state_ == TxnState::kActive || state_ == TxnState::kPreparing,
           where(*this) + " cannot decide to abort (" + reason + ")");
  state_ = TxnState::kAborting;
  decided_at_ = at;
  error_ = std::move(reason);
}

void Transaction::adopt(TxnState decided, WallTime at, bool recorded, bool forced) {
  XA_CHECK(decided == TxnState::kCommitting || decided == TxnState::kAborting,
           "transaction " + id_text_ + " adopted undecided");
  XA_CHECK(state_ == TxnState::kActive && branches_.empty() == false,
           "transaction " + id_text_ + " adopted twice or without branches");
  state_ = decided;
  decided_at_ = at;
  recorded_ = recorded;
  forced_ = forced;
  recovered_ = true;
  with_engine_ = false;
}

void Transaction::branch_prepared(std::size_t i) {
  XA_CHECK(state_ == TxnState::kPreparing, where(*this) + " prepared a branch outside phase one");
  branches_.at(i).state = BranchState::kPrepared;
}

void Transaction::hand_to_recovery(std::size_t i) {
  XA_CHECK(is_decided(state_) && !is_final(state_),
           where(*this) + " handed a branch to recovery before its decision");
  Branch& b = branches_.at(i);
  XA_CHECK(!b.with_recovery, where(*this) + " handed branch " + b.participant + " over twice");
  XA_CHECK(b.state != BranchState::kCommitted && b.state != BranchState::kRolledBack,
           where(*this) + " handed over finished branch " + b.participant);
  b.with_recovery = true;
  ++branches_with_recovery_;
}

void Transaction::branch_done(std::size_t i, BranchState outcome) {
  Branch& b = branches_.at(i);
  XA_CHECK(outcome == BranchState::kCommitted || outcome == BranchState::kRolledBack,
           where(*this) + ": branch " + b.participant + " done in a non-final state");
  // Atomicity: a branch's outcome is the transaction's decision, never the other one.
  XA_CHECK((outcome == BranchState::kCommitted) == (state_ == TxnState::kCommitting),
           where(*this) + ": branch " + b.participant + " ended " + std::string(name_of(outcome)) +
               " against the decision");
  b.state = outcome;
  if (b.with_recovery) {
    b.with_recovery = false;
    --branches_with_recovery_;
    finish_if_done();
  }
}

void Transaction::release_from_engine() {
  XA_CHECK(with_engine_, where(*this) + " released from the engine twice");
  XA_CHECK(is_decided(state_), where(*this) + " released from the engine undecided");
  with_engine_ = false;
  finish_if_done();
}

void Transaction::finish_if_done() {
  if (with_engine_ || branches_with_recovery_ > 0 || is_final(state_)) return;
  for (const Branch& b : branches_) {
    // A started branch the engine did not confirm and did not hand over would be left
    // behind: the engine must do one or the other for every branch.
    XA_CHECK(
        !b.started || b.state == BranchState::kCommitted || b.state == BranchState::kRolledBack,
        where(*this) + ": branch " + b.participant + " left " + std::string(name_of(b.state)) +
            " at the end");
  }
  state_ = state_ == TxnState::kCommitting ? TxnState::kCommitted : TxnState::kAborted;
  finisher_.finished(*this);
}

}  // namespace xacoord
