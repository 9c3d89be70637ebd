// One global transaction of the `tcc` architecture (docs/architectures/tcc.md): what it is
// about and where it stands. A pay is Try on both databases (the order PENDING -> PAYING,
// the funds moved from the balance to tcc_frozen), a decision in its tcc_global row, then
// Confirm or Cancel on both. The cancel of a paid order is a refund: neither database can
// refuse it, so its Try is empty and its decision is Confirm from the start.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "coordinator/domain/architecture.h"
#include "protocol/problem.h"

namespace xacoord::tcc {

enum class Kind { kPay, kRefund };

// The phases, in the order a transaction goes through them.
enum class Phase {
  // a pay
  kTryingOrders,     // the orders Try sent; whether it committed is not known
  kOrdersTried,      // the orders Try committed (PAYING, tcc_global TRYING); payments next
  kDecidingConfirm,  // both Tries committed: the decision Confirm is to be recorded
  kDecidingCancel,   // a Try was refused, lost or overtaken: the decision Cancel is next
  kConfirming,       // decided Confirm: Confirm on payments, then on orders
  kCancelling,       // decided Cancel: Cancel on payments, then on orders
  kConfirmed,        // finished: PAID, CAPTURED, nothing frozen
  kCancelled,        // finished: everything the Tries did undone, the order PENDING again
  kNotTried,         // finished: the orders Try was refused or never ran; nothing to undo
  // the cancel of a paid order
  kCancellingPaid,  // its orders transaction sent its COMMIT; whether it committed is not known
  kRefunding,       // the order CANCELLED with its tcc_global row; the refund is due
  kRefunded,        // finished: the payment REFUNDED, the account credited
  kNotCancelled,    // finished: that orders transaction did not commit, and never will
};

std::string_view name_of(Kind kind);
std::string_view name_of(Phase phase);
bool finished(Phase phase);

struct Txn {
  std::string gid;  // the txn_id the client is answered with, and the barrier's global id
  Kind kind = Kind::kPay;
  Phase phase = Phase::kTryingOrders;
  std::int64_t order_id = 0;
  std::string account_id;
  std::int64_t amount_cents = 0;
  // A pay's key: the orders Confirm stores the pay's answer under it, whoever runs it.
  std::optional<IdempotencyKey> key;
  // Why a pay was cancelled, when a Try said so (for the pay's answer).
  std::optional<Problem> refusal;
};

// Counts a request, or a transaction driven in the background, while it lives.
struct Counted {
  explicit Counted(std::size_t& n) : n_(n) { ++n_; }
  ~Counted() { --n_; }
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;
  std::size_t& n_;
};

}  // namespace xacoord::tcc
