// A global transaction and its branches, and the one state machine of its life.
//
//           begin ─► ACTIVE ──start_prepare──► PREPARING ──decide_commit──► COMMITTING
//                      │  └──────decide_commit (one phase)──────────────────────┘  │
//                      └──decide_abort──► ABORTING ◄──decide_abort── PREPARING     │
//                                            │                                     │
//                                            ▼          (engine released and no    ▼
//                                         ABORTED ◄──── branch left to recovery) COMMITTED
//
// The engine (two_phase_commit.cc) drives a transaction up to its decision and through
// phase two on the branches' own sessions; a branch it cannot finish is handed to
// recovery (coordinator/recovery), which confirms it later. Recovery also adopts
// transactions it finds after a restart: they begin decided, with every branch handed
// over. Whoever confirms the last branch, the transaction finishes in one place
// (finish_if_done): its state becomes final and its Finisher is told once. Every
// transition is checked; one the design does not allow aborts the process (XA_CHECK).
//
// Owned and touched only on the coordinator's io_context thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "participants/pool.h"
#include "protocol/states.h"
#include "protocol/txn_id.h"
#include "protocol/xid.h"

namespace xacoord {

// How to tell, after the fact, whether a one-phase commit whose answer was lost happened:
// a statement on the branch's server, and what its rows say. Set by whoever builds the
// transaction (the xa architecture reads the order row back).
struct OnePhaseProbe {
  std::string statement;
  std::function<bool(const db::Rows&)> committed;
};

struct Branch {
  std::string participant;
  Xid xid;
  db::Pool* pool = nullptr;  // null for branches recovered after a restart
  bool started = false;      // XA START went out (it travels with the first statements)
  BranchState state = BranchState::kActive;
  // XA PREPARE went out but its answer was lost with the session: the server may hold the
  // branch prepared. Only a fresh XA RECOVER can tell.
  bool maybe_prepared = false;
  // A statement of this branch is on its session right now (what a deadline interrupts).
  bool busy = false;
  // Run right before XA END and XA PREPARE (or the one-phase commit): the branch's last
  // statements, set by whoever builds the transaction before TwoPhaseCommit::commit.
  std::vector<std::string> final_statements;
  db::Lease lease;  // the session that holds the branch until phase two is over
  // The connection the branch was left on when its session was lost or gave up: recovery
  // ends it on the server before it trusts what XA RECOVER says (docs/recovery.md,
  // "Abandoned sessions"): a server may still run its buffered XA PREPARE.
  db::ServerSession abandoned;
  // For a one-branch transaction: how to read its outcome back if the one-phase commit's
  // answer is lost (without one, such a transaction answers "unknown", 503).
  std::optional<OnePhaseProbe> one_phase_probe;
  // Phase two of this branch is recovery's: it retries until the server confirms.
  bool with_recovery = false;
  int recovery_attempts = 0;
  std::optional<std::string> last_error;
};

class Transaction;

// Told once when a transaction reaches COMMITTED or ABORTED (the transaction table).
class Finisher {
 public:
  virtual ~Finisher() = default;
  virtual void finished(Transaction& txn) = 0;
};

class Transaction : public std::enable_shared_from_this<Transaction> {
 public:
  struct Identity {
    TxnId id;
    std::string kind;  // pay | cancel | recovered
    std::optional<std::int64_t> order_id;
    WallTime started_at;
    SteadyTime began;
    SteadyTime deadline;
  };
  Transaction(Identity identity, Finisher& finisher);

  const TxnId& id() const { return identity_.id; }
  const std::string& id_text() const { return id_text_; }
  const std::string& kind() const { return identity_.kind; }
  const std::optional<std::int64_t>& order_id() const { return identity_.order_id; }
  WallTime started_at() const { return identity_.started_at; }
  SteadyTime began() const { return identity_.began; }
  SteadyTime deadline() const { return identity_.deadline; }
  TxnState state() const { return state_; }
  const std::optional<WallTime>& decided_at() const { return decided_at_; }
  const std::optional<std::string>& error() const { return error_; }
  // A record of it is in the decision store (a commit decision or an operator's): the
  // store must be told when it is finished.
  bool recorded() const { return recorded_; }
  bool recovered() const { return recovered_; }
  bool forced() const { return forced_; }
  // The engine still works on it (statements, prepare, or phase two on its own sessions).
  bool with_engine() const { return with_engine_; }
  // Some branch waits for recovery to finish its phase two.
  bool in_doubt() const { return branches_with_recovery_ > 0; }

  std::deque<Branch>& branches() { return branches_; }  // a deque: Branch& stays valid
  const std::deque<Branch>& branches() const { return branches_; }

  // The transitions (see the diagram above).
  void start_prepare();
  // The decision is COMMIT: durable in the store (`recorded`), or a one-phase commit the
  // server confirmed (not recorded: nothing was logged).
  void decide_commit(WallTime at, bool recorded);
  void decide_abort(std::string reason, WallTime at);
  // Recovery adopts a transaction it found (the decision store, XA RECOVER, an operator):
  // decided already, the engine never had it.
  void adopt(TxnState decided, WallTime at, bool recorded, bool forced);
  // An operator's forced decision was recorded for it.
  void mark_forced() {
    forced_ = true;
    recorded_ = true;
  }
  // Branch `i` answered its XA PREPARE.
  void branch_prepared(std::size_t i);
  // Branch `i`'s phase two is recovery's from now on.
  void hand_to_recovery(std::size_t i);
  // Branch `i` reached `outcome` (committed or rolled back), by the engine or recovery.
  void branch_done(std::size_t i, BranchState outcome);
  // The engine let go of the transaction (its answer is out, its sessions released).
  void release_from_engine();

  // The engine's: the deadline watchdog, and whether it interrupted a statement.
  std::unique_ptr<Timer> watchdog;
  bool deadline_interrupted = false;

 private:
  void finish_if_done();

  Identity identity_;
  std::string id_text_;
  Finisher& finisher_;
  TxnState state_ = TxnState::kActive;
  std::optional<WallTime> decided_at_;
  std::optional<std::string> error_;
  std::deque<Branch> branches_;
  std::size_t branches_with_recovery_ = 0;
  bool with_engine_ = true;
  bool recorded_ = false;
  bool recovered_ = false;
  bool forced_ = false;
};

}  // namespace xacoord
