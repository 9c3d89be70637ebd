// The messages of the `outbox` architecture (docs/architectures/outbox.md, "Sequence"):
// what each one asks or reports, and its payload. Pure: no I/O.
//
//   orders   --charge-->          payments   a pay committed PAYING: debit and capture
//   payments --charged-->         orders     captured: mark PAID, or refund if cancelled
//   payments --charge_refused-->  orders     short of funds: back to PENDING
//   orders   --refund-->          payments   a paid (or charged-after-cancel) order: refund
//
// A message's msg_id is "<txn_id>:<kind>": the pay's (or the cancel's) transaction id,
// unique over all time (node, epoch, sequence), and one message of each kind per
// transaction. That makes the id known before the row is written, so a test or an operator
// can follow one pay through both inboxes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xacoord::outbox {

enum class Kind { kCharge, kCharged, kChargeRefused, kRefund };

std::string_view name_of(Kind kind);
std::optional<Kind> kind_from(std::string_view name);

// Everything a step needs: the order, who pays how much, and the transaction it belongs to.
struct Payload {
  std::int64_t order_id = 0;
  std::string account_id;
  std::int64_t amount_cents = 0;
  std::string txn_id;  // the pay's for charge/charged/charge_refused; the refund's own
  std::string reason;  // charge_refused: "insufficient_funds" or "no_account"
};

std::string msg_id_of(const std::string& txn_id, Kind kind);
std::string to_text(const Payload& p);
// nullopt for a payload that is not JSON of this shape (a poison message: parked).
std::optional<Payload> payload_from(std::string_view text);

}  // namespace xacoord::outbox
