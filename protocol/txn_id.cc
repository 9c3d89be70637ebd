#include "protocol/txn_id.h"

#include <charconv>

namespace xacoord {
namespace {

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

bool valid_node_id(std::string_view node_id) {
  if (node_id.empty() || node_id.size() > kMaxNodeIdBytes) return false;
  for (char c : node_id) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string TxnId::to_string() const {
  return node + "-" + std::to_string(epoch) + "-" + std::to_string(seq);
}

std::optional<TxnId> TxnId::parse(std::string_view text) {
  auto first = text.find('-');
  if (first == std::string_view::npos) return std::nullopt;
  auto second = text.find('-', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  auto node = text.substr(0, first);
  auto epoch = parse_u64(text.substr(first + 1, second - first - 1));
  auto seq = parse_u64(text.substr(second + 1));
  if (!valid_node_id(node) || !epoch || !seq) return std::nullopt;
  return TxnId{std::string(node), *epoch, *seq};
}

Xid branch_xid(const TxnId& txn, std::string_view participant) {
  return Xid{kXacoordFormatId, std::string(kGtridPrefix) + txn.to_string(),
             std::string(participant)};
}

std::optional<TxnId> txn_of_xid(const Xid& xid) {
  if (xid.format_id != kXacoordFormatId) return std::nullopt;
  std::string_view gtrid = xid.gtrid;
  if (!gtrid.starts_with(kGtridPrefix)) return std::nullopt;
  return TxnId::parse(gtrid.substr(kGtridPrefix.size()));
}

}  // namespace xacoord
