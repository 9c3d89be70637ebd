#include "coordinator/recovery/forced_decision.h"

#include "coordinator/observability/event_log.h"
#include "participants/db_error.h"
#include "participants/xa_sql.h"

namespace xacoord {

namespace asio = boost::asio;

asio::awaitable<ForceResult> ForcedDecisions::force(std::string txn_id, bool commit,
                                                    std::string reason) {
  auto parsed_id = TxnId::parse(txn_id);
  if (!parsed_id) co_return ForceResult{false, "'" + txn_id + "' is not a transaction id"};
  const std::string& node = context_.options.node_id;
  if (parsed_id->node != node) {
    // Invariant 4: another node's branches are never touched; its own coordinator (started
    // with that node id and its decision store) is the one to resolve them.
    co_return ForceResult{false, "transaction " + txn_id + " belongs to node " + parsed_id->node +
                                     ", not to this coordinator (node " + node + ")"};
  }
  const DecisionState state = co_await context_.store.load();
  auto known = context_.table.find(txn_id);
  if (known && !is_final(known->state()) && !known->in_doubt()) {
    // Its own sessions are still at work on it (statements, prepare, or phase two): a
    // second hand on its branches could only race them.
    co_return ForceResult{false,
                          "transaction " + txn_id + " is live in this coordinator; wait for it"};
  }
  const bool decided_commit =
      state.must_commit(txn_id) || (known && (known->state() == TxnState::kCommitting ||
                                              known->state() == TxnState::kCommitted));
  if (!commit && decided_commit) {
    co_return ForceResult{false, "a commit decision for " + txn_id +
                                     " is logged; rolling it back would break atomicity"};
  }
  if (commit && known &&
      (known->state() == TxnState::kAborting || known->state() == TxnState::kAborted)) {
    co_return ForceResult{false, "transaction " + txn_id + " was aborted by this coordinator"};
  }
  if (auto h = state.heuristics().find(txn_id);
      h != state.heuristics().end() && h->second.commit != commit) {
    co_return ForceResult{false, "a forced " +
                                     std::string(h->second.commit ? "commit" : "rollback") +
                                     " of " + txn_id + " is logged already"};
  }
  if (known && known->in_doubt()) {
    // Recovery is already driving it to this very outcome: retry now instead of waiting
    // out the backoff, and record nothing new.
    std::size_t branches = retry_.hurry(known);
    co_return ForceResult{true,
                          std::string("recovery is already ") +
                              (commit ? "committing" : "rolling back") + " it; retrying now",
                          branches};
  }
  std::vector<BranchRef> branches;
  for (auto& [name, p] : context_.participants) {
    std::vector<Xid> xids;
    std::string unreachable;
    try {
      db::Rows rows = co_await db::query(*p.session, db::xa::recover());
      xids = db::xa::parse_recover(rows);
    } catch (const db::DbError& e) {
      unreachable = e.what();
    }
    if (!unreachable.empty()) {
      co_return ForceResult{false, "cannot list prepared branches on " + name + ": " + unreachable};
    }
    for (const Xid& xid : xids) {
      auto parsed = txn_of_xid(xid);
      if (parsed && parsed->to_string() == txn_id) branches.push_back({name, xid});
    }
  }
  if (branches.empty()) {
    co_return ForceResult{false, "no database holds a prepared branch of " + txn_id};
  }
  HeuristicRecord record{txn_id, commit, unix_ms(context_.clock.wall_now()), reason, branches};
  if (!co_await context_.store.record_heuristic(std::move(record))) {
    co_return ForceResult{false, "the decision store refused the record"};
  }
  log_event("heuristic_decision", {{"txn_id", txn_id}, {"commit", commit}, {"reason", reason}});
  retry_.adopt(txn_id, commit ? TxnState::kCommitting : TxnState::kAborting, branches, "operator",
               /*recorded=*/true, /*forced=*/true);
  co_return ForceResult{true, std::string(commit ? "commit" : "rollback") + " forced",
                        branches.size()};
}

}  // namespace xacoord
