#include "coordinator/architectures/outbox/outbox_messages.h"

#include <nlohmann/json.hpp>

namespace xacoord::outbox {

std::string_view name_of(Kind kind) {
  switch (kind) {
    case Kind::kCharge:
      return "charge";
    case Kind::kCharged:
      return "charged";
    case Kind::kChargeRefused:
      return "charge_refused";
    case Kind::kRefund:
      return "refund";
  }
  return "unknown";
}

std::optional<Kind> kind_from(std::string_view name) {
  for (Kind k : {Kind::kCharge, Kind::kCharged, Kind::kChargeRefused, Kind::kRefund}) {
    if (name_of(k) == name) return k;
  }
  return std::nullopt;
}

std::string msg_id_of(const std::string& txn_id, Kind kind) {
  return txn_id + ":" + std::string(name_of(kind));
}

std::string to_text(const Payload& p) {
  nlohmann::json j{{"order_id", p.order_id},
                   {"account_id", p.account_id},
                   {"amount_cents", p.amount_cents},
                   {"txn_id", p.txn_id}};
  if (!p.reason.empty()) j["reason"] = p.reason;
  return j.dump();
}

std::optional<Payload> payload_from(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  auto has = [&j](const char* name, auto check) { return j.contains(name) && check(j[name]); };
  if (!has("order_id", [](const auto& v) { return v.is_number_integer(); }) ||
      !has("account_id", [](const auto& v) { return v.is_string(); }) ||
      !has("amount_cents", [](const auto& v) { return v.is_number_integer(); }) ||
      !has("txn_id", [](const auto& v) { return v.is_string(); })) {
    return std::nullopt;
  }
  Payload p;
  p.order_id = j["order_id"].get<std::int64_t>();
  p.account_id = j["account_id"].get<std::string>();
  p.amount_cents = j["amount_cents"].get<std::int64_t>();
  p.txn_id = j["txn_id"].get<std::string>();
  if (j.contains("reason") && j["reason"].is_string()) p.reason = j["reason"].get<std::string>();
  if (p.order_id <= 0 || p.amount_cents <= 0 || p.txn_id.empty()) return std::nullopt;
  return p;
}

}  // namespace xacoord::outbox
