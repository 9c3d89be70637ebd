#include "coordinator/architectures/saga/saga.h"

namespace xacoord::saga {

std::string_view name_of(Kind kind) {
  return kind == Kind::kPay ? "pay" : "cancel";
}

std::string_view name_of(Phase phase) {
  switch (phase) {
    case Phase::kCharging:
      return "charging";
    case Phase::kCharged:
      return "charged";
    case Phase::kCompensating:
      return "compensating";
    case Phase::kPaid:
      return "paid";
    case Phase::kCompensated:
      return "compensated";
    case Phase::kNeverCharged:
      return "never_charged";
    case Phase::kCancelling:
      return "cancelling";
    case Phase::kRefundDue:
      return "refund_due";
    case Phase::kRefunded:
      return "refunded";
    case Phase::kNotCancelled:
      return "not_cancelled";
  }
  return "unknown";
}

bool finished(Phase phase) {
  switch (phase) {
    case Phase::kPaid:
    case Phase::kCompensated:
    case Phase::kNeverCharged:
    case Phase::kRefunded:
    case Phase::kNotCancelled:
      return true;
    default:
      return false;
  }
}

}  // namespace xacoord::saga
