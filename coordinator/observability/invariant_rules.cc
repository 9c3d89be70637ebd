#include "coordinator/observability/invariant_rules.h"

namespace xacoord::reconcile {
namespace {

void add(std::vector<Discrepancy>& out, int invariant, std::string problem, nlohmann::json facts) {
  out.push_back({invariant, std::move(problem), std::move(facts)});
}

}  // namespace

std::vector<Discrepancy> check_invariants(const InvariantRows& rows) {
  std::vector<Discrepancy> out;
  std::map<std::int64_t, const OrderRow*> orders;
  for (const auto& o : rows.orders)
    orders[o.order_id] = &o;
  std::map<std::int64_t, const PaymentRow*> payments_by_order;
  std::vector<const PaymentRow*> duplicates;
  std::map<std::string, std::int64_t> captured = rows.captured_outside;
  for (const auto& p : rows.payments) {
    if (p.status == "CAPTURED") captured[p.account_id] += p.amount;
    if (rows.orders_from && p.order_id < *rows.orders_from) continue;
    if (rows.orders_to && p.order_id > *rows.orders_to) continue;
    if (!payments_by_order.emplace(p.order_id, &p).second) duplicates.push_back(&p);
  }

  for (const auto* p : duplicates) {
    add(out, 1, "more than one payment for an order",
        {{"order_id", p->order_id}, {"payment_id", p->payment_id}});
  }
  auto in_flight = [&rows](const OrderRow& o) {
    for (const auto& status : rows.in_flight_statuses)
      if (o.status == status) return true;
    return false;
  };
  // Invariants 1 and 2, from the orders' side.
  for (const auto& [id, o] : orders) {
    if (in_flight(*o)) continue;
    auto it = payments_by_order.find(id);
    const PaymentRow* p = it == payments_by_order.end() ? nullptr : it->second;
    nlohmann::json facts{{"order_id", id},
                         {"account_id", o->account_id},
                         {"amount_cents", o->amount},
                         {"order_status", o->status}};
    if (p) {
      facts["payment_id"] = p->payment_id;
      facts["payment_status"] = p->status;
      facts["payment_amount_cents"] = p->amount;
    }
    if (o->status == "PAID") {
      if (!p || p->status != "CAPTURED") {
        add(out, 1, "paid order without a captured payment", facts);
      } else if (p->amount != o->amount || p->account_id != o->account_id) {
        add(out, 1, "paid order whose payment has another amount or account", facts);
      }
    } else if (o->status == "CANCELLED") {
      if (p && p->status != "REFUNDED")
        add(out, 2, "cancelled order with a payment that is not refunded", facts);
    } else if (o->status == "PENDING" || (rows.paying_is_pending && o->status == "PAYING")) {
      if (p) add(out, 2, "pending order with a payment", facts);
    } else {
      add(out, 2, "order with an unknown status", facts);
    }
  }
  // Invariant 1 from the payments' side: every payment belongs to an order.
  for (const auto& [order_id, p] : payments_by_order) {
    if (orders.contains(order_id)) continue;
    add(out, 1, "payment for an order that does not exist",
        {{"order_id", order_id},
         {"payment_id", p->payment_id},
         {"account_id", p->account_id},
         {"amount_cents", p->amount},
         {"payment_status", p->status}});
  }
  // Invariant 3: money is conserved, and no balance is negative.
  std::map<std::string, const AccountRow*> accounts;
  for (const auto& a : rows.accounts)
    accounts[a.account_id] = &a;
  for (const auto& [id, a] : accounts) {
    if (a->balance < 0)
      add(out, 3, "negative balance", {{"account_id", id}, {"balance_cents", a->balance}});
    if (a->funded && *a->funded - captured[id] != a->balance) {
      add(out, 3, "money not conserved",
          {{"account_id", id},
           {"funded_cents", *a->funded},
           {"captured_cents", captured[id]},
           {"balance_cents", a->balance},
           {"expected_balance_cents", *a->funded - captured[id]}});
    }
  }
  for (const auto& [account, amount] : captured) {
    if (amount != 0 && !accounts.contains(account))
      add(out, 3, "captured payments on a missing account",
          {{"account_id", account}, {"captured_cents", amount}});
  }
  return out;
}

std::string subject_of(const Discrepancy& d) {
  if (d.facts.contains("order_id")) return "order:" + d.facts["order_id"].dump();
  if (d.facts.contains("account_id")) return "account:" + d.facts["account_id"].get<std::string>();
  return d.problem;
}

}  // namespace xacoord::reconcile
