// One saga of the `saga` architecture (docs/architectures/saga.md): what it is about, and
// where it stands. A pay is a saga of two local transactions (charge on payments, then
// PENDING -> PAID on orders) with a compensation (the refund) when the second is refused;
// the cancel of a paid order is a saga of two (PAID -> CANCELLED on orders, then the
// refund on payments) that only goes forward.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "coordinator/domain/architecture.h"

namespace xacoord::saga {

enum class Kind { kPay, kCancel };

// The phases, in the order a saga goes through them. A phase ending in "-ing" is a step
// whose answer was lost: whether it committed is found out before anything else is done.
enum class Phase {
  // a pay
  kCharging,      // step 1 (the charge) sent; whether it committed is not known
  kCharged,       // step 1 committed: account debited, payment CAPTURED, log row CHARGED
  kCompensating,  // step 2 refused (the order was cancelled first): the refund is due
  kPaid,          // finished: step 2 committed, the order is PAID
  kCompensated,   // finished: the charge was refunded, the log row is COMPENSATED
  kNeverCharged,  // finished: step 1 did not commit, and a tombstone stops it for good
  // the cancel of a paid order
  kCancelling,    // step 1 (PAID -> CANCELLED) sent; whether it committed is not known
  kRefundDue,     // step 1 committed: the order is CANCELLED, log row REFUND_DUE
  kRefunded,      // finished: the refund committed
  kNotCancelled,  // finished: step 1 did not commit
};

std::string_view name_of(Kind kind);
std::string_view name_of(Phase phase);
bool finished(Phase phase);

struct Saga {
  std::string id;  // the txn_id the client is answered with, and the log row's key
  Kind kind = Kind::kPay;
  Phase phase = Phase::kCharging;
  std::int64_t order_id = 0;
  std::string account_id;
  std::int64_t amount_cents = 0;
  // A pay's key: step 2 stores the pay's answer under it, whoever runs step 2.
  std::optional<IdempotencyKey> key;
  // When its first step committed (the inconsistency window opens), if known.
  std::optional<SteadyTime> first_step_committed;
  // The order's status when step 2 refused to mark it paid (for the 409's detail).
  std::string refused_status;
  // Timers of requests waiting for it to finish (OpenSagas::wait); cancelled when it does.
  std::vector<Timer*> waiters;
};

// Counts a request, or a saga being driven, for GET /v1/status while it lives.
struct Counted {
  explicit Counted(std::size_t& n) : n_(n) { ++n_; }
  ~Counted() { --n_; }
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;
  std::size_t& n_;
};

}  // namespace xacoord::saga
