#include "protocol/api_types.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <nlohmann/json.hpp>

#include "protocol/problem.h"
#include "protocol/txn_id.h"

namespace xacoord::api {
namespace {

using nlohmann::json;

[[noreturn]] void reject(std::string detail) {
  throw ProblemError(problems::bad_request(std::move(detail)));
}

json parse_object(std::string_view body) {
  if (body.empty()) reject("the request body must be a JSON object");
  json j = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) reject("the request body is not valid JSON");
  if (!j.is_object()) reject("the request body must be a JSON object");
  return j;
}

std::string account_id_field(const json& j) {
  auto it = j.find("account_id");
  if (it == j.end()) reject("account_id is required");
  if (!it->is_string()) reject("account_id must be a string");
  auto id = it->get<std::string>();
  if (!valid_account_id(id)) {
    reject("account_id must be 1-64 characters of letters, digits and . _ : @ -");
  }
  return id;
}

std::int64_t cents_field(const json& j, const char* name, std::int64_t min) {
  auto it = j.find(name);
  if (it == j.end()) reject(std::string(name) + " is required");
  // Unsigned values beyond int64 and floats (1.5, 1e3) are both refused: money is integer cents.
  if (!it->is_number_integer()) reject(std::string(name) + " must be an integer number of cents");
  if (it->is_number_unsigned() &&
      it->get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxCents)) {
    reject(std::string(name) + " must be at most " + std::to_string(kMaxCents));
  }
  auto v = it->get<std::int64_t>();
  if (v < min || v > kMaxCents) {
    reject(std::string(name) + " must be between " + std::to_string(min) + " and " +
           std::to_string(kMaxCents));
  }
  return v;
}

}  // namespace

bool valid_account_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxAccountIdBytes) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '@' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxIdempotencyKeyBytes) return false;
  for (char c : key) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return key.front() != ' ' && key.back() != ' ';
}

std::int64_t parse_order_id(std::string_view segment) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), id);
  if (segment.empty() || segment.size() > 19 || ec != std::errc() ||
      end != segment.data() + segment.size() || id <= 0 || segment[0] == '0') {
    reject("order_id must be a positive integer");
  }
  return id;
}

std::string parse_account_id(std::string_view segment) {
  if (!valid_account_id(segment)) {
    reject("account_id must be 1-64 characters of letters, digits and . _ : @ -");
  }
  return std::string(segment);
}

std::string parse_txn_id(std::string_view segment) {
  if (segment.size() > kMaxTxnIdBytes || !TxnId::parse(segment)) {
    reject("txn_id must look like <node>-<epoch>-<seq>, e.g. 1-3-42");
  }
  return std::string(segment);
}

bool is_json_media_type(std::string_view content_type) {
  auto type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
    type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t'))
    type.remove_prefix(1);
  std::string lower(type);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "application/json") return true;
  return lower.starts_with("application/") && lower.ends_with("+json") &&
         lower.size() > std::string_view("application/+json").size();
}

TransactionQuery TransactionQuery::parse(const std::map<std::string, std::string>& query) {
  TransactionQuery out;
  if (auto s = query.find("state"); s != query.end()) {
    if (s->second == "in_doubt") {
      out.in_doubt = true;
    } else if (auto state = txn_state_from_name(s->second)) {
      out.state = *state;
    } else {
      reject(
          "state must be in_doubt or one of ACTIVE, PREPARING, COMMITTING, COMMITTED, ABORTING, "
          "ABORTED");
    }
  }
  if (auto l = query.find("limit"); l != query.end()) {
    std::size_t v = 0;
    const auto& text = l->second;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < 1 ||
        v > kMaxListLimit) {
      reject("limit must be an integer from 1 to " + std::to_string(kMaxListLimit));
    }
    out.limit = v;
  }
  if (auto k = query.find("kind"); k != query.end()) {
    if (k->second != "pay" && k->second != "cancel" && k->second != "recovered")
      reject("kind must be pay, cancel or recovered");
    out.kind = k->second;
  }
  if (auto o = query.find("order_id"); o != query.end()) {
    std::int64_t v = 0;
    const auto& text = o->second;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < 1)
      reject("order_id must be a positive integer");
    out.order_id = v;
  }
  return out;
}

std::string parse_force_reason(std::string_view body) {
  if (body.empty()) return "operator";
  auto j = parse_object(body);
  auto it = j.find("reason");
  if (it == j.end()) return "operator";
  if (!it->is_string() || it->get_ref<const std::string&>().empty() ||
      it->get_ref<const std::string&>().size() > kMaxReasonBytes) {
    reject("reason must be a string of 1 to " + std::to_string(kMaxReasonBytes) + " characters");
  }
  return it->get<std::string>();
}

CreateAccountRequest CreateAccountRequest::parse(std::string_view body) {
  auto j = parse_object(body);
  return {account_id_field(j), cents_field(j, "balance_cents", 0)};
}

CreateOrderRequest CreateOrderRequest::parse(std::string_view body) {
  auto j = parse_object(body);
  return {account_id_field(j), cents_field(j, "amount_cents", 1)};
}

json to_json(const Account& a) {
  return json{{"account_id", a.account_id}, {"balance_cents", a.balance_cents}};
}

json to_json(const Order& o) {
  json j{{"order_id", o.order_id},
         {"account_id", o.account_id},
         {"amount_cents", o.amount_cents},
         {"status", o.status},
         {"payment", nullptr}};
  if (o.payment)
    j["payment"] = json{{"payment_id", o.payment->payment_id}, {"status", o.payment->status}};
  return j;
}

json to_json(const PayResult& r) {
  return json{{"order_id", r.order_id},
              {"status", "PAID"},
              {"payment_id", r.payment_id},
              {"txn_id", r.txn_id}};
}

json to_json(const CancelResult& r) {
  return json{{"order_id", r.order_id},
              {"status", "CANCELLED"},
              {"refunded", r.refunded},
              {"txn_id", r.txn_id}};
}

json to_json(const TransactionView& t) {
  json branches = json::array();
  for (const auto& b : t.branches) {
    branches.push_back({{"participant", b.participant},
                        {"xid", b.xid},
                        {"state", b.state},
                        {"attempts", b.attempts},
                        {"last_error", b.last_error ? json(*b.last_error) : json(nullptr)}});
  }
  json j{{"txn_id", t.txn_id},   {"state", t.state},           {"kind", t.kind},
         {"branches", branches}, {"started_at", t.started_at}, {"decided_at", nullptr}};
  if (t.order_id) j["order_id"] = *t.order_id;
  if (t.decided_at) j["decided_at"] = *t.decided_at;
  if (t.error) j["error"] = *t.error;
  if (!t.architecture.empty()) j["architecture"] = t.architecture;
  return j;
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace xacoord::api
