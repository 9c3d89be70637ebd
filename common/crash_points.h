// Crash points (contract §5): XACOORD_CRASH_AT=<point>[:<n>] makes `xacoord serve`
// SIGKILL itself the n-th time it reaches <point>, when --enable-fault-injection is given.
// SIGKILL, not exit(): no destructor, no flush, no goodbye to the databases — exactly what
// a power cut or the OOM killer does. When nothing is armed a crash point is one load
// and one branch.
//
// Stall points use the same names: XACOORD_STALL_AT=<point>[:<n>] freezes the whole
// coordinator for XACOORD_STALL_MS (default 3000) milliseconds the n-th time it reaches
// <point>, after writing a "stall_point" event line. Tests watch for that line and then
// kill a database or a session while the protocol is provably at that step.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <span>
#include <string_view>

namespace xacoord {

enum class CrashPoint {
  kBeforePrepare,        // branches' statements done, no XA PREPARE sent
  kAfterPrepareFirst,    // one branch prepared
  kAfterPrepareAll,      // all branches prepared, commit decision not durable
  kAfterDecisionLogged,  // commit decision fsynced, no XA COMMIT sent
  kAfterCommitFirst,     // one branch committed
  kAfterCommitAll,       // all branches committed, client not answered
  kBeforeRollback,       // abort path, before any XA ROLLBACK
  kAfterRollbackFirst,   // abort path, one branch rolled back
  kStartupRecovery,      // start-up: the node lock taken, nothing listed yet (a stall point)

  // The saga architecture (docs/architectures/saga.md, "Crash points"), in the order a pay
  // and a cancel of a paid order reach them.
  kSagaBeforeStep1,         // a pay's saga begun, its charge (step 1) not sent
  kSagaAfterStep1,          // charge committed with its log row, step 2 not begun
  kSagaBeforeStep2,         // step 2 holds the order row locked, PENDING -> PAID not sent
  kSagaAfterStep2,          // step 2 committed (PAID), saga log not closed, client not answered
  kSagaBeforeCompensation,  // step 2 refused (order cancelled first), refund not sent
  kSagaAfterCompensation,   // compensating refund committed, client not answered
  kSagaAfterCancelStep1,    // a paid order cancelled with its log row, refund not sent
  kSagaAfterRefund,         // that refund committed, saga log not closed, client not answered

  // The outbox architecture (docs/architectures/outbox.md, "Crash points"), in the order a
  // pay's local transactions and messages reach them, then a cancel's.
  kOutboxBeforePayCommit,     // order locked, PAYING + charge outbox row sent, no COMMIT
  kOutboxAfterPayCommit,      // PAYING and its outbox row committed, client not answered
  kOutboxRelayAfterClaim,     // relay holds unpublished rows, nothing sent to Redis
  kOutboxRelayAfterPublish,   // Redis acknowledged the batch, rows not marked published
  kOutboxBeforeChargeCommit,  // inbox row + debit + capture + follow-up sent, no COMMIT
  kOutboxAfterChargeCommit,   // charge committed, message not acknowledged (XACK)
  kOutboxBeforeSettleCommit,  // inbox row + PAID/PENDING/refund request sent, no COMMIT
  kOutboxAfterSettleCommit,   // order's outcome committed, message not acknowledged
  kOutboxAfterCancelCommit,   // cancel (and a paid order's refund row) committed, not answered
  kOutboxBeforeRefundCommit,  // inbox row + refund sent, no COMMIT
  kOutboxAfterRefundCommit,   // refund committed, message not acknowledged
  // The tcc architecture (docs/architectures/tcc.md, "Crash points"), in the order a pay
  // and a cancel of a paid order reach them.
  kTccBeforeTry,             // a pay's global transaction begun, no Try sent
  kTccAfterTryOrders,        // orders Try committed (PAYING, tcc_global TRYING), payments not tried
  kTccAfterTryPayments,      // both Tries committed (funds frozen), no decision recorded
  kTccAfterDecision,         // Confirm or Cancel recorded in tcc_global, no branch told
  kTccAfterConfirmPayments,  // payment CAPTURED, the order still PAYING
  kTccAfterConfirmOrders,    // the order PAID, tcc_global CONFIRMED, client not answered
  kTccAfterCancelPayments,   // frozen funds back in the balance, the order still PAYING
  kTccAfterCancelOrders,     // the order PENDING again, tcc_global CANCELLED, client not answered
  kTccAfterRefundOrders,     // a paid order CANCELLED with its refund's row, refund not sent
  kTccAfterRefundPayments,   // the refund committed, its row not closed, client not answered

  // The takeover of a dead node by a live one (docs/scale-out.md, "Takeover").
  kTakeoverClaimed,   // the claim won in etcd, nothing of the dead node touched yet
  kTakeoverResolved,  // the dead node's branches finished, the takeover not recorded
};

// The takeover's points: reached only by coordinators on etcd.
inline constexpr CrashPoint kTakeoverCrashPoints[] = {
    CrashPoint::kTakeoverClaimed,
    CrashPoint::kTakeoverResolved,
};

inline constexpr CrashPoint kAllCrashPoints[] = {
    CrashPoint::kBeforePrepare,       CrashPoint::kAfterPrepareFirst,  CrashPoint::kAfterPrepareAll,
    CrashPoint::kAfterDecisionLogged, CrashPoint::kAfterCommitFirst,   CrashPoint::kAfterCommitAll,
    CrashPoint::kBeforeRollback,      CrashPoint::kAfterRollbackFirst,
};

// The points only the saga architecture reaches; not in kAllCrashPoints, whose `crash`
// menu every architecture's chaos draws from (crash_points_of below).
inline constexpr CrashPoint kSagaCrashPoints[] = {
    CrashPoint::kSagaBeforeStep1,        CrashPoint::kSagaAfterStep1,
    CrashPoint::kSagaBeforeStep2,        CrashPoint::kSagaAfterStep2,
    CrashPoint::kSagaBeforeCompensation, CrashPoint::kSagaAfterCompensation,
    CrashPoint::kSagaAfterCancelStep1,   CrashPoint::kSagaAfterRefund,
};

// The points only the outbox architecture reaches.
inline constexpr CrashPoint kOutboxCrashPoints[] = {
    CrashPoint::kOutboxBeforePayCommit,    CrashPoint::kOutboxAfterPayCommit,
    CrashPoint::kOutboxRelayAfterClaim,    CrashPoint::kOutboxRelayAfterPublish,
    CrashPoint::kOutboxBeforeChargeCommit, CrashPoint::kOutboxAfterChargeCommit,
    CrashPoint::kOutboxBeforeSettleCommit, CrashPoint::kOutboxAfterSettleCommit,
    CrashPoint::kOutboxAfterCancelCommit,  CrashPoint::kOutboxBeforeRefundCommit,
    CrashPoint::kOutboxAfterRefundCommit,
};

// The points only the tcc architecture reaches (same rule as kSagaCrashPoints).
inline constexpr CrashPoint kTccCrashPoints[] = {
    CrashPoint::kTccBeforeTry,
    CrashPoint::kTccAfterTryOrders,
    CrashPoint::kTccAfterTryPayments,
    CrashPoint::kTccAfterDecision,
    CrashPoint::kTccAfterConfirmPayments,
    CrashPoint::kTccAfterConfirmOrders,
    CrashPoint::kTccAfterCancelPayments,
    CrashPoint::kTccAfterCancelOrders,
    CrashPoint::kTccAfterRefundOrders,
    CrashPoint::kTccAfterRefundPayments,
};

// The points the steps of `architecture` reach, in protocol order: what chaos's `crash`
// menu draws for it. xa (and naive, which reuses three of them) have kAllCrashPoints.
std::span<const CrashPoint> crash_points_of(std::string_view architecture);

std::string_view name_of(CrashPoint point);
std::optional<CrashPoint> crash_point_from_name(std::string_view name);

namespace crash_detail {
extern std::atomic<bool> armed;
void reach(CrashPoint point);
}  // namespace crash_detail

// Unit tests of the engine and recovery (tests/support/fakes): `hook` is called at every
// crash point reached, instead of any armed crash or stall; an empty hook disarms.
void set_crash_hook(std::function<void(CrashPoint)> hook);

// Arms the crash point named by `spec` ("<point>" or "<point>:<n>", n >= 1).
// Throws std::invalid_argument naming the valid points.
void arm_crash_point(std::string_view spec);
// Arms a stall at the point named by `spec` (same form), for `stall_ms` milliseconds.
void arm_stall_point(std::string_view spec, int stall_ms);

inline void crash_point(CrashPoint point) {
  if (crash_detail::armed.load(std::memory_order_relaxed)) [[unlikely]]
    crash_detail::reach(point);
}

}  // namespace xacoord
