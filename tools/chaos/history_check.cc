#include "tools/chaos/history_check.h"

#include <set>

namespace xacoord::chaos {

std::vector<Anomaly> check_history(const std::vector<Op>& ops,
                                   const std::map<std::int64_t, FinalOrder>& final_state,
                                   const HistoryPromise& promise) {
  struct Seen {
    std::set<std::string> acked_pay_txns;
    std::set<std::string> accepted_pay_txns;  // answered 202 (outbox)
    bool pay_unanswered = false;
    bool any_pay = false;
    bool any_cancel = false;
    const Op* acked_cancel = nullptr;
    const Op* acked_pay = nullptr;
  };
  std::map<std::int64_t, Seen> by_order;
  for (const auto& op : ops) {
    Seen& s = by_order[op.order_id];
    if (op.pay) {
      s.any_pay = true;
      if (op.status == 0) s.pay_unanswered = true;
      if (op.status == 200) {
        s.acked_pay_txns.insert(op.txn_id);
        s.acked_pay = &op;
      }
      if (op.status == 202) s.accepted_pay_txns.insert(op.txn_id);
    } else {
      s.any_cancel = true;
      if (op.status == 200) s.acked_cancel = &op;
    }
  }
  std::vector<Anomaly> out;
  for (const auto& [order_id, s] : by_order) {
    auto it = final_state.find(order_id);
    FinalOrder none{"MISSING", std::nullopt, std::nullopt};
    const FinalOrder& f = it == final_state.end() ? none : it->second;
    nlohmann::json facts{{"order_id", order_id},
                         {"status", f.status},
                         {"payment", f.payment ? *f.payment : "none"},
                         {"payment_txn", f.payment_txn ? *f.payment_txn : ""}};
    if (s.acked_pay_txns.size() > 1) {
      auto j = facts;
      j["acknowledged_txns"] = s.acked_pay_txns;
      out.push_back({"two pays acknowledged", j});
    }
    if (s.acked_pay) {
      bool kept = f.payment && f.payment_txn == s.acked_pay->txn_id &&
                  ((f.status == "PAID" && f.payment == "CAPTURED") ||
                   (f.status == "CANCELLED" && f.payment == "REFUNDED" && s.any_cancel));
      if (!kept) {
        auto j = facts;
        j["acknowledged_txn"] = s.acked_pay->txn_id;
        j["key"] = s.acked_pay->key;
        out.push_back({"acknowledged pay lost", j});
      }
    }
    if (promise.pay_accepted_then_finished && !s.accepted_pay_txns.empty()) {
      // A charge of a pay whose answer never came may be the one that finished.
      bool ours =
          f.payment_txn && (s.accepted_pay_txns.count(*f.payment_txn) > 0 || s.pay_unanswered);
      bool finished =
          (f.status == "PAID" && f.payment == "CAPTURED" && ours) ||
          (f.status == "CANCELLED" && (!f.payment || (f.payment == "REFUNDED" && ours))) ||
          (f.status == "PENDING" && !f.payment);
      if (!finished) {
        auto j = facts;
        j["accepted_txns"] = s.accepted_pay_txns;
        out.push_back({"accepted pay not finished", j});
      }
    }
    if (s.acked_cancel && f.status != "CANCELLED") {
      auto j = facts;
      j["key"] = s.acked_cancel->key;
      out.push_back({"acknowledged cancel lost", j});
    }
    bool kept_charge =
        f.payment && (f.payment == "CAPTURED" || !promise.refused_pay_may_leave_refund);
    if (kept_charge && s.acked_pay_txns.empty() && s.accepted_pay_txns.empty() &&
        !s.pay_unanswered) {
      out.push_back({"refused pay captured", facts});
    }
    if (f.status == "CANCELLED" && f.payment == "CAPTURED") {
      out.push_back({"paid order cancelled without a refund", facts});
    }
  }
  return out;
}

}  // namespace xacoord::chaos
