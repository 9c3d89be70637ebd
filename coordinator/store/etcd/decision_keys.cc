#include "coordinator/store/etcd/decision_keys.h"

#include <charconv>
#include <stdexcept>

namespace xacoord::etcd {

KeyLayout::KeyLayout(std::string root) : root_(std::move(root)) {
  while (!root_.empty() && root_.back() == '/')
    root_.pop_back();
  if (root_.empty() || root_.front() != '/') {
    throw std::invalid_argument("etcd key root must start with '/': '" + root_ + "'");
  }
}

std::string KeyLayout::node(std::string_view node_id) const {
  return root_ + "/nodes/" + std::string(node_id);
}
std::string KeyLayout::epoch(std::string_view node_id) const {
  return root_ + "/epochs/" + std::string(node_id);
}
std::string KeyLayout::decisions(std::string_view node_id) const {
  return root_ + "/decisions/" + std::string(node_id) + "/";
}
std::string KeyLayout::decision(std::string_view node_id, std::string_view txn_id) const {
  return decisions(node_id) + std::string(txn_id);
}
std::string KeyLayout::takeover(std::string_view node_id) const {
  return root_ + "/takeovers/" + std::string(node_id);
}

std::string KeyLayout::taken_over(std::string_view node_id) const {
  return taken_over_all() + std::string(node_id);
}

std::string KeyLayout::txn_of(std::string_view node_id, std::string_view key) const {
  std::string prefix = decisions(node_id);
  if (key.size() <= prefix.size() || key.substr(0, prefix.size()) != prefix) return {};
  return std::string(key.substr(prefix.size()));
}

std::string encode_stored(const StoredDecision& value) {
  struct {
    std::string operator()(const CommitDecision& d) { return "C" + encode_payload(d); }
    std::string operator()(const HeuristicRecord& h) { return "H" + encode_payload(h); }
    std::string operator()(const AbortedMarker& a) { return "A" + std::to_string(a.registration); }
  } visitor;
  return std::visit(visitor, value);
}

std::optional<StoredDecision> decode_stored(std::string_view value) {
  if (value.empty()) return std::nullopt;
  std::string_view rest = value.substr(1);
  switch (value[0]) {
    case 'C': {
      auto r = decode_payload(static_cast<std::uint8_t>(RecordType::kCommitDecision), rest);
      if (!r || !std::holds_alternative<CommitDecision>(*r)) return std::nullopt;
      return std::get<CommitDecision>(std::move(*r));
    }
    case 'H': {
      auto r = decode_payload(static_cast<std::uint8_t>(RecordType::kHeuristic), rest);
      if (!r || !std::holds_alternative<HeuristicRecord>(*r)) return std::nullopt;
      return std::get<HeuristicRecord>(std::move(*r));
    }
    case 'A': {
      AbortedMarker a;
      auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), a.registration);
      if (ec != std::errc() || end != rest.data() + rest.size() || rest.empty()) {
        return std::nullopt;
      }
      return a;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace xacoord::etcd
