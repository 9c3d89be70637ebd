// Where xacoord keeps its state in etcd, and how a decision key's value is encoded
// (docs/scale-out.md, "Keys"). Every key lives under one root (default "/xacoord/v1"):
//
//   <root>/nodes/<node>                 the node's registration, bound to its owner's lease
//   <root>/epochs/<node>                the node's epoch counter, decimal
//   <root>/decisions/<node>/<txn id>    one transaction's outcome, as below
//   <root>/takeovers/<node>             a live node taking over a dead one: its claim,
//                                       bound to the taker's lease
//   <root>/taken-over/<node>            the epoch of the node's last run taken over
//
// A decision key holds one byte of kind, then the decision log's own payload encoding
// (protocol/log_record.h) where there is one:
//   'C' + CommitDecision    the commit decision (record_commit)
//   'H' + HeuristicRecord   an operator's forced outcome (record_heuristic)
//   'A' + decimal revision  "aborted": an ambiguous write was settled as not decided; the
//                           marker takes the key so the lost write can never land later.
//                           The revision is the writer's registration (its create revision).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "protocol/log_record.h"

namespace xacoord::etcd {

class KeyLayout {
 public:
  explicit KeyLayout(std::string root = "/xacoord/v1");
  const std::string& root() const { return root_; }
  std::string node(std::string_view node_id) const;
  std::string epoch(std::string_view node_id) const;
  std::string decisions(std::string_view node_id) const;  // the prefix, ending in '/'
  std::string decision(std::string_view node_id, std::string_view txn_id) const;
  std::string takeover(std::string_view node_id) const;
  // The last takeover of the node that finished: the epoch it covered (takeover_claims.h).
  std::string taken_over(std::string_view node_id) const;
  // Prefixes, ending in '/', of every node's registration, epoch and finished takeover.
  std::string nodes() const { return root_ + "/nodes/"; }
  std::string epochs() const { return root_ + "/epochs/"; }
  std::string taken_over_all() const { return root_ + "/taken-over/"; }
  // The txn id of a key under decisions(node_id); empty if the key is not one.
  std::string txn_of(std::string_view node_id, std::string_view key) const;

 private:
  std::string root_;
};

struct AbortedMarker {
  std::int64_t registration = 0;
  friend bool operator==(const AbortedMarker&, const AbortedMarker&) = default;
};
using StoredDecision = std::variant<CommitDecision, HeuristicRecord, AbortedMarker>;

std::string encode_stored(const StoredDecision& value);
// nullopt for anything malformed.
std::optional<StoredDecision> decode_stored(std::string_view value);

}  // namespace xacoord::etcd
