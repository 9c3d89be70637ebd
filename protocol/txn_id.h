// Transaction ids: "<node>-<epoch>-<seq>".
//
// The node id names the coordinator instance, so recovery only ever touches its own
// branches. The epoch is bumped in the decision log at every start, so ids never repeat
// across restarts even if the clock does. The sequence counts within one epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/xid.h"

namespace xacoord {

inline constexpr std::string_view kGtridPrefix = "xacoord:";
// 12 keeps "xacoord:" + node + two 20-digit numbers within the 64-byte gtrid.
inline constexpr std::size_t kMaxNodeIdBytes = 12;

// A node id is 1-12 characters of [A-Za-z0-9_]. '-' is the separator inside a txn id.
bool valid_node_id(std::string_view node_id);

struct TxnId {
  std::string node;
  std::uint64_t epoch = 0;
  std::uint64_t seq = 0;

  std::string to_string() const;
  static std::optional<TxnId> parse(std::string_view text);

  friend bool operator==(const TxnId&, const TxnId&) = default;
  friend auto operator<=>(const TxnId&, const TxnId&) = default;
};

// The xid of `txn`'s branch on `participant`: gtrid "xacoord:<txn id>", bqual the name.
Xid branch_xid(const TxnId& txn, std::string_view participant);

// The transaction an xid belongs to, if it is one of xacoord's (format id and prefix).
std::optional<TxnId> txn_of_xid(const Xid& xid);

}  // namespace xacoord
