#include "coordinator/store/etcd/takeover_claims.h"

#include <map>

namespace xacoord::etcd {

namespace asio = boost::asio;

namespace {

// The node id of a key under `prefix`, empty if the key is not directly under it.
std::string node_under(const std::string& prefix, const std::string& key) {
  if (key.size() <= prefix.size() || key.compare(0, prefix.size(), prefix) != 0) return {};
  std::string node = key.substr(prefix.size());
  return node.find('/') == std::string::npos ? node : std::string();
}

const RangeResult& range_at(const TxnResult& r, std::size_t i) {
  if (i >= r.responses.size() || !std::holds_alternative<RangeResult>(r.responses[i])) {
    throw EtcdError(ErrorKind::kProtocol, "etcd txn answer lacks the read it was asked for");
  }
  return std::get<RangeResult>(r.responses[i]);
}

}  // namespace

TakeoverClaims::TakeoverClaims(Client& client, const NodeRegistration& self)
    : client_(client), self_(self), layout_(self.layout()) {}

asio::awaitable<std::vector<DeadNode>> TakeoverClaims::dead_nodes() {
  // One read-only transaction: the four prefixes at one revision.
  TxnRequest t;
  t.success.push_back(get_prefix(layout_.epochs()));
  t.success.push_back(get_prefix(layout_.nodes()));
  t.success.push_back(get_prefix(layout_.takeover("")));
  t.success.push_back(get_prefix(layout_.taken_over_all()));
  TxnResult r = co_await client_.txn(std::move(t));
  std::map<std::string, const KeyValue*> registered, claimed, taken;
  for (const KeyValue& kv : range_at(r, 1).kvs)
    registered[node_under(layout_.nodes(), kv.key)] = &kv;
  for (const KeyValue& kv : range_at(r, 2).kvs)
    claimed[node_under(layout_.takeover(""), kv.key)] = &kv;
  for (const KeyValue& kv : range_at(r, 3).kvs)
    taken[node_under(layout_.taken_over_all(), kv.key)] = &kv;
  std::vector<DeadNode> dead;
  for (const KeyValue& kv : range_at(r, 0).kvs) {
    std::string node = node_under(layout_.epochs(), kv.key);
    if (node.empty() || node == self_.node_id()) continue;
    if (registered.contains(node) || claimed.contains(node)) continue;
    auto done = taken.find(node);
    if (done != taken.end() && done->second->value == kv.value) continue;
    dead.push_back(
        {node, kv.value, kv.mod_revision, done == taken.end() ? 0 : done->second->mod_revision});
  }
  co_return dead;
}

asio::awaitable<std::optional<TakeoverClaim>> TakeoverClaims::claim(const DeadNode& node) {
  const std::string key = layout_.takeover(node.node_id);
  TxnRequest t;
  t.compare.push_back(self_.owned());
  t.compare.push_back(Compare::absent(layout_.node(node.node_id)));
  t.compare.push_back(Compare::absent(key));
  t.compare.push_back(Compare::modified_at(layout_.epoch(node.node_id), node.epoch_mod));
  t.compare.push_back(Compare::modified_at(layout_.taken_over(node.node_id), node.taken_mod));
  t.success.push_back(put(key, self_.node_id() + " epoch " + node.epoch, self_.lease()));
  std::optional<TxnResult> r;
  try {
    r = co_await client_.txn(t);
  } catch (const EtcdError& e) {
    if (!e.ambiguous()) throw;
  }
  if (r) {
    if (!r->succeeded) co_return std::nullopt;
    co_return TakeoverClaim{node.node_id, node.epoch, r->revision};
  }
  // The answer was lost: the claim is ours if the key is bound to our lease.
  RangeResult back = co_await client_.get(key);
  if (!back.kvs.empty() && back.kvs[0].lease == self_.lease()) {
    co_return TakeoverClaim{node.node_id, node.epoch, back.kvs[0].create_revision};
  }
  co_return std::nullopt;
}

asio::awaitable<bool> TakeoverClaims::holds(const TakeoverClaim& claim) {
  RangeResult back = co_await client_.get(layout_.takeover(claim.node_id));
  co_return !back.kvs.empty() && back.kvs[0].create_revision == claim.revision;
}

asio::awaitable<bool> TakeoverClaims::finish(const TakeoverClaim& claim) {
  const std::string key = layout_.takeover(claim.node_id);
  const std::string done = layout_.taken_over(claim.node_id);
  for (int attempt = 0; attempt < 5; ++attempt) {
    TxnRequest t;
    t.compare.push_back(Compare::created_at(key, claim.revision));
    t.success.push_back(put(done, claim.epoch));
    t.success.push_back(del(key));
    t.failure.push_back(get(done));
    std::optional<TxnResult> r;
    try {
      r = co_await client_.txn(t);
    } catch (const EtcdError& e) {
      if (!e.ambiguous()) throw;
    }
    if (!r) continue;  // lost answer: the compare tells on the next attempt
    if (r->succeeded) co_return true;
    // The claim is gone: finished by our own lost attempt, or lost with our lease.
    const RangeResult& back = range_at(*r, 0);
    co_return attempt > 0 && !back.kvs.empty() && back.kvs[0].value == claim.epoch;
  }
  throw EtcdError(ErrorKind::kUnavailable,
                  "the takeover of node " + claim.node_id + " could not be recorded");
}

asio::awaitable<void> TakeoverClaims::drop(const TakeoverClaim& claim) {
  TxnRequest t;
  const std::string key = layout_.takeover(claim.node_id);
  t.compare.push_back(Compare::created_at(key, claim.revision));
  t.success.push_back(del(key));
  try {
    co_await client_.txn(std::move(t));
  } catch (const EtcdError&) {
    // The claim goes with our lease at the latest.
  }
}

asio::awaitable<bool> TakeoverClaims::record_clean_stop(std::uint64_t epoch) {
  TxnRequest t;
  t.compare.push_back(self_.owned());
  t.success.push_back(put(layout_.taken_over(self_.node_id()), std::to_string(epoch)));
  try {
    TxnResult r = co_await client_.txn(std::move(t));
    co_return r.succeeded;
  } catch (const EtcdError&) {
    co_return false;
  }
}

}  // namespace xacoord::etcd
