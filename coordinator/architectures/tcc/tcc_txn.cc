#include "coordinator/architectures/tcc/tcc_txn.h"

namespace xacoord::tcc {

std::string_view name_of(Kind kind) {
  return kind == Kind::kPay ? "pay" : "refund";
}

std::string_view name_of(Phase phase) {
  switch (phase) {
    case Phase::kTryingOrders:
      return "trying_orders";
    case Phase::kOrdersTried:
      return "orders_tried";
    case Phase::kDecidingConfirm:
      return "deciding_confirm";
    case Phase::kDecidingCancel:
      return "deciding_cancel";
    case Phase::kConfirming:
      return "confirming";
    case Phase::kCancelling:
      return "cancelling";
    case Phase::kConfirmed:
      return "confirmed";
    case Phase::kCancelled:
      return "cancelled";
    case Phase::kNotTried:
      return "not_tried";
    case Phase::kRefunding:
      return "refunding";
    case Phase::kRefunded:
      return "refunded";
    case Phase::kCancellingPaid:
      return "cancelling_paid";
    case Phase::kNotCancelled:
      return "not_cancelled";
  }
  return "unknown";
}

bool finished(Phase phase) {
  return phase == Phase::kConfirmed || phase == Phase::kCancelled || phase == Phase::kNotTried ||
         phase == Phase::kRefunded || phase == Phase::kNotCancelled;
}

}  // namespace xacoord::tcc
