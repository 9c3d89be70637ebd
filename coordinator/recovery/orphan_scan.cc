#include "coordinator/recovery/orphan_scan.h"

#include "coordinator/observability/event_log.h"
#include "participants/db_error.h"
#include "participants/server_session.h"
#include "participants/xa_sql.h"

namespace xacoord {

namespace asio = boost::asio;

asio::awaitable<void> OrphanScan::scan() {
  for (auto& [name, p] : context_.participants) {
    std::vector<Xid> xids;
    try {
      db::Rows rows = co_await db::query(*p.session, db::xa::recover());
      xids = db::xa::parse_recover(rows);
      // Registrations of sessions that are gone (reconnects leave one each): the table
      // stays as small as the sessions that live.
      std::string prune = db::prune_registrations_sql(context_.options.node_id);
      co_await db::execute(*p.session, std::move(prune));
    } catch (const db::DbError&) {
      continue;  // unreachable: the health check reports it; try at the next scan
    }
    // Read after the listing: whatever was decided before the server listed a branch is
    // in this state, so a branch is never rolled back against a decision made before.
    const DecisionState state = co_await context_.store.load();
    const auto now = context_.clock.now();
    auto& suspects = suspects_[name];
    std::map<Xid, SteadyTime> still_suspect;
    for (const Xid& xid : xids) {
      auto parsed = txn_of_xid(xid);
      if (!parsed || parsed->node != context_.options.node_id) continue;
      std::string id = parsed->to_string();
      auto known = context_.table.find(id);
      if (known && !is_final(known->state())) continue;  // live here, or recovery owns it
      // An operator's forced decision is working on it: not an orphan (and forgotten as a
      // suspect, so the scan after the force starts from scratch).
      if (context_.forcing == id) continue;
      // Everything else waits for a second sighting a grace period later: the branch of a
      // transaction that finished just after the listing is gone by then.
      auto seen = suspects.find(xid);
      if (seen == suspects.end() || now - seen->second < context_.options.orphan_grace) {
        still_suspect[xid] = seen == suspects.end() ? now : seen->second;
        continue;
      }
      if (state.must_commit(id)) {
        log_event("orphan_branch_committed",
                  {{"txn_id", id}, {"participant", name}, {"xid", xid.to_string()}});
        // With every branch the decision names, not only this one: its FINISHED closes the
        // decision for all of them (docs/model.md, "Other things the model shows").
        retry_.adopt(id, TxnState::kCommitting, state.open().at(id).branches, "orphan",
                     /*recorded=*/true, state.heuristics().contains(id));
        continue;
      }
      log_event("orphan_branch_rolled_back",
                {{"txn_id", id}, {"participant", name}, {"xid", xid.to_string()}});
      bool forced = state.heuristics().contains(id);
      retry_.adopt(id, TxnState::kAborting, {{name, xid}}, "orphan", forced, forced);
    }
    suspects = std::move(still_suspect);
  }
}

}  // namespace xacoord
