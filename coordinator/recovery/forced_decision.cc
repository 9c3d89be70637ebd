// A forced decision is atomic with respect to the orphan scan, start-up recovery and
// other forces: docs/model.md ("The fixed force") checks the algorithm below with spin,
// and shows each marked step to be needed.
#include "coordinator/recovery/forced_decision.h"

#include "common/check.h"
#include "coordinator/observability/event_log.h"
#include "participants/db_error.h"
#include "participants/xa_sql.h"

namespace xacoord {

namespace asio = boost::asio;

namespace {

// Clears the mark on every way out of force() (a refusal, an error, the end).
struct ForcingMark {
  RecoveryContext& context;
  std::string txn_id;
  ForcingMark(RecoveryContext& c, std::string id) : context(c), txn_id(std::move(id)) {
    XA_CHECK(!context.forcing,
             "a second forced decision marked while " + *context.forcing + " is being forced");
    context.forcing = txn_id;
  }
  ~ForcingMark() {
    if (context.forcing == txn_id) context.forcing.reset();
  }
};

}  // namespace

// Why the operator's decision must be refused, given what the store and the table say; or
// nothing. `in_doubt` is set when recovery already drives the transaction to an outcome.
std::optional<std::string> ForcedDecisions::refusal(const std::string& txn_id, bool commit,
                                                    const DecisionState& state,
                                                    const std::shared_ptr<Transaction>& known,
                                                    bool* in_doubt) const {
  *in_doubt = false;
  if (known && !is_final(known->state()) && !known->in_doubt()) {
    // Its own sessions are still at work on it (statements, prepare, or phase two): a
    // second hand on its branches could only race them.
    return "transaction " + txn_id + " is live in this coordinator; wait for it";
  }
  const bool decided_commit =
      state.must_commit(txn_id) || (known && (known->state() == TxnState::kCommitting ||
                                              known->state() == TxnState::kCommitted));
  if (!commit && decided_commit) {
    return "a commit decision for " + txn_id + " is logged; rolling it back would break atomicity";
  }
  if (commit && known &&
      (known->state() == TxnState::kAborting || known->state() == TxnState::kAborted)) {
    return "transaction " + txn_id + " was aborted by this coordinator";
  }
  if (auto h = state.heuristics().find(txn_id);
      h != state.heuristics().end() && h->second.commit != commit) {
    return "a forced " + std::string(h->second.commit ? "commit" : "rollback") + " of " + txn_id +
           " is logged already";
  }
  *in_doubt = known && known->in_doubt();
  return std::nullopt;
}

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
  // 1. Gate: start-up recovery (which runs after the node lock is taken) has finished.
  if (!context_.ready) {
    co_return ForceResult{false, "start-up recovery is running; retry when /healthz answers 200"};
  }
  // 2. One at a time: refused, not queued (it would be decided on a stale view).
  if (context_.forcing) {
    co_return ForceResult{false, "a forced decision of " + *context_.forcing +
                                     " is in progress; retry when it is answered"};
  }
  // 3. The checks.
  DecisionState state = co_await context_.store.load();
  if (context_.forcing) {
    co_return ForceResult{false, "a forced decision of " + *context_.forcing +
                                     " is in progress; retry when it is answered"};
  }
  auto known = context_.table.find(txn_id);
  bool in_doubt = false;
  if (auto why = refusal(txn_id, commit, state, known, &in_doubt))
    co_return ForceResult{false, *why};
  if (in_doubt) {
    // Recovery is already driving it to this very outcome: retry now instead of waiting
    // out the backoff, and record nothing new.
    std::size_t branches = retry_.hurry(known);
    co_return ForceResult{true,
                          std::string("recovery is already ") +
                              (commit ? "committing" : "rolling back") + " it; retrying now",
                          branches};
  }
  // 4. Mark, before the first wait: from here on the orphan scan skips it.
  ForcingMark mark(context_, txn_id);

  // 5. What the servers hold prepared of it.
  std::vector<BranchRef> branches;
  std::set<std::string> listing;
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
      if (parsed && parsed->to_string() == txn_id) {
        branches.push_back({name, xid});
        listing.insert(name);
      }
    }
  }
  if (branches.empty()) {
    co_return ForceResult{false, "no database holds a prepared branch of " + txn_id};
  }
  // 6. Re-check after the last wait, on a fresh view.
  state = co_await context_.store.load();
  if (context_.table.find(txn_id) != known) {
    co_return ForceResult{
        false, "transaction " + txn_id + " changed while it was being forced; look again"};
  }
  if (auto why = refusal(txn_id, commit, state, known, &in_doubt); why || in_doubt) {
    co_return ForceResult{false, why.value_or("transaction " + txn_id +
                                              " changed while it was being forced; look again")};
  }
  // 7. A commit nobody decided must hold a prepared branch on every participant: every
  //    transaction xacoord prepares has one on each (one-branch transactions commit in one
  //    phase), so a missing one was rolled back already and committing the rest would split.
  if (commit && !state.must_commit(txn_id) && listing.size() != context_.participants.size()) {
    co_return ForceResult{false, "only " + std::to_string(listing.size()) + " of " +
                                     std::to_string(context_.participants.size()) +
                                     " databases hold a prepared branch of " + txn_id +
                                     ": the others were rolled back, so a commit would split it"};
  }
  // 8. Recorded, and durable.
  HeuristicRecord record{txn_id, commit, unix_ms(context_.clock.wall_now()), reason, branches};
  if (!co_await context_.store.record_heuristic(std::move(record))) {
    co_return ForceResult{false, "the decision store refused the record"};
  }
  // 9. Nothing can have moved: the mark kept the scan away, the gate kept start-up away.
  XA_CHECK(context_.forcing == txn_id && context_.table.find(txn_id) == known,
           "transaction " + txn_id + " changed while its forced decision became durable");
  log_event("heuristic_decision", {{"txn_id", txn_id}, {"commit", commit}, {"reason", reason}});
  retry_.adopt(txn_id, commit ? TxnState::kCommitting : TxnState::kAborting, branches, "operator",
               /*recorded=*/true, /*forced=*/true);
  co_return ForceResult{true, std::string(commit ? "commit" : "rollback") + " forced",
                        branches.size()};
}

}  // namespace xacoord
