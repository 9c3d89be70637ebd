// An XA transaction branch identifier (X/Open XA: format id, global transaction id,
// branch qualifier), and the way xacoord names its own branches.
//
// xacoord's xids carry kXacoordFormatId and a gtrid "xacoord:<node>-<epoch>-<seq>",
// so recovery can tell its own branches from anyone else's, and a node from its peers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xacoord {

// "XC": chosen to be unlikely in other software; recovery touches no other format id.
inline constexpr std::int64_t kXacoordFormatId = 0x5843;
inline constexpr std::size_t kMaxGtridBytes = 64;  // X/Open limit
inline constexpr std::size_t kMaxBqualBytes = 64;

struct Xid {
  std::int64_t format_id = kXacoordFormatId;
  std::string gtrid;
  std::string bqual;

  // The xid as SQL for XA statements: X'<hex gtrid>',X'<hex bqual>',<format id>.
  // Hex literals make any byte safe inside the statement.
  std::string to_sql() const;
  // Readable form for logs and the API: gtrid/bqual/format id (non-printable bytes escaped).
  std::string to_string() const;

  friend bool operator==(const Xid&, const Xid&) = default;
  friend auto operator<=>(const Xid&, const Xid&) = default;
};

// Parses the `data` column of MariaDB's `XA RECOVER FORMAT='SQL'`, which prints each xid
// as a ready literal: 'g1','b1',1481 or X'6731',X'6231',1481 (with '' escaping quotes).
std::optional<Xid> parse_sql_xid(std::string_view text);

// Builds an xid from a classic `XA RECOVER` row: formatID, gtrid_length, bqual_length, data.
std::optional<Xid> xid_from_recover_row(std::int64_t format_id, std::int64_t gtrid_length,
                                        std::int64_t bqual_length, std::string_view data);

}  // namespace xacoord
