#include "coordinator/store/etcd/dead_node_decisions.h"

#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace xacoord::etcd {

namespace asio = boost::asio;

DeadNodeDecisions::DeadNodeDecisions(Client& client, KeyLayout layout, TakeoverClaim claim)
    : client_(client), layout_(std::move(layout)), claim_(std::move(claim)) {}

asio::awaitable<bool> DeadNodeDecisions::record_commit(CommitDecision) {
  co_return false;
}

asio::awaitable<bool> DeadNodeDecisions::record_heuristic(HeuristicRecord) {
  co_return false;
}

void DeadNodeDecisions::record_finished(std::string txn_id) {
  // A takeover finishes a few hundred transactions at most (the dead node's in-doubt
  // ones, bounded by its pool): one delete each, in the background.
  ++deleting_;
  asio::co_spawn(client_.executor(), delete_finished(std::move(txn_id)), asio::detached);
}

asio::awaitable<void> DeadNodeDecisions::delete_finished(std::string txn_id) {
  TxnRequest t;
  t.compare.push_back(Compare::created_at(layout_.takeover(claim_.node_id), claim_.revision));
  t.success.push_back(del(layout_.decision(claim_.node_id, txn_id)));
  try {
    co_await client_.txn(std::move(t));
  } catch (const EtcdError&) {
    // Left for the next takeover or the node's next run: it replays a finished decision.
  }
  --deleting_;
}

asio::awaitable<DecisionState> DeadNodeDecisions::load() {
  DecisionState state;
  RangeOp op = get_prefix(layout_.decisions(claim_.node_id));
  op.limit = 1000;
  for (int pages = 0;; ++pages) {
    // Bounded: a node holds at most its in-flight transactions' decisions, far below this.
    if (pages >= 10'000) throw std::runtime_error("too many decisions of node " + claim_.node_id);
    RangeResult page = co_await client_.range(op);
    if (op.revision == 0) op.revision = page.revision;  // one snapshot
    for (const KeyValue& kv : page.kvs) {
      auto stored = decode_stored(kv.value);
      if (!stored)
        throw std::runtime_error("etcd key " + kv.key + " holds no decision xacoord wrote");
      if (auto* d = std::get_if<CommitDecision>(&*stored)) state.apply(*d);
      if (auto* h = std::get_if<HeuristicRecord>(&*stored)) state.apply(*h);
    }
    if (!page.more || page.kvs.empty()) break;
    op.key = page.kvs.back().key + std::string(1, '\0');
  }
  co_return state;
}

}  // namespace xacoord::etcd
