// The HTTP API's request and response types (contract §2), their JSON form and their
// validation. Validation throws ProblemError with a 4xx problem; nothing here does I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "protocol/states.h"

namespace xacoord::api {

inline constexpr std::int64_t kMaxCents = 1'000'000'000'000;  // $10bn: beyond is "absurd"
inline constexpr std::size_t kMaxAccountIdBytes = 64;
inline constexpr std::size_t kMaxIdempotencyKeyBytes = 128;
inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;
inline constexpr std::size_t kMaxTxnIdBytes = 64;
inline constexpr std::size_t kMaxReasonBytes = 1000;
inline constexpr std::size_t kDefaultListLimit = 100;
inline constexpr std::size_t kMaxListLimit = 1000;

// Account ids: 1-64 characters of [A-Za-z0-9._:@-].
bool valid_account_id(std::string_view id);
// Idempotency keys: 1-128 printable ASCII characters (0x21-0x7e, and space inside).
bool valid_idempotency_key(std::string_view key);
// A path segment that must be a positive order id; 400 otherwise.
std::int64_t parse_order_id(std::string_view segment);
// A path segment that must be an account id; 400 otherwise.
std::string parse_account_id(std::string_view segment);
// A path segment that must be a transaction id, "<node>-<epoch>-<seq>"; 400 otherwise.
std::string parse_txn_id(std::string_view segment);
// application/json or application/<anything>+json, any case, parameters allowed.
bool is_json_media_type(std::string_view content_type);

// The query of GET /v1/transactions: state=in_doubt or a transaction state name, and
// limit=1..1000 (default 100). Other parameters are ignored; bad values are a 400.
struct TransactionQuery {
  bool in_doubt = false;
  std::optional<TxnState> state;
  std::size_t limit = kDefaultListLimit;
  std::optional<std::string> kind;       // pay | cancel | recovered
  std::optional<std::int64_t> order_id;  // the order it ran for
  static TransactionQuery parse(const std::map<std::string, std::string>& query);
};

// The optional body of the admin force routes: empty, or {"reason": "..."}.
// Returns the reason ("operator" when none is given).
std::string parse_force_reason(std::string_view body);

struct CreateAccountRequest {
  std::string account_id;
  std::int64_t balance_cents = 0;
  static CreateAccountRequest parse(std::string_view body);
};

struct CreateOrderRequest {
  std::string account_id;
  std::int64_t amount_cents = 0;
  static CreateOrderRequest parse(std::string_view body);
};

struct Account {
  std::string account_id;
  std::int64_t balance_cents = 0;
};

struct PaymentSummary {
  std::int64_t payment_id = 0;
  std::string status;  // CAPTURED | REFUNDED
};

struct Order {
  std::int64_t order_id = 0;
  std::string account_id;
  std::int64_t amount_cents = 0;
  std::string status;  // PENDING | PAID | CANCELLED
  std::optional<PaymentSummary> payment;
};

struct PayResult {
  std::int64_t order_id = 0;
  std::int64_t payment_id = 0;
  std::string txn_id;
};

struct CancelResult {
  std::int64_t order_id = 0;
  bool refunded = false;
  std::string txn_id;
};

struct BranchView {
  std::string participant;
  std::string xid;
  std::string state;
  int attempts = 0;                       // phase-two statements recovery sent for it
  std::optional<std::string> last_error;  // the last failure on it, if any
};

struct TransactionView {
  std::string txn_id;
  std::string state;
  std::string kind;  // pay | cancel
  std::optional<std::int64_t> order_id;
  std::vector<BranchView> branches;
  std::string started_at;                 // RFC 3339, UTC
  std::optional<std::string> decided_at;  // when the outcome was fixed
  std::optional<std::string> error;       // why it aborted, when it did
  std::string architecture;               // the design that ran it (contract §6)
};

nlohmann::json to_json(const Account& a);
nlohmann::json to_json(const Order& o);
nlohmann::json to_json(const PayResult& r);
nlohmann::json to_json(const CancelResult& r);
nlohmann::json to_json(const TransactionView& t);

// Compact, stable serialisation used for every response body.
std::string dump(const nlohmann::json& j);

}  // namespace xacoord::api
