#include "coordinator/recovery/startup_recovery.h"

#include <algorithm>

#include "common/check.h"
#include "common/crash_points.h"
#include "coordinator/engine/two_phase_commit.h"
#include "coordinator/observability/event_log.h"
#include "participants/db_error.h"
#include "participants/server_session.h"
#include "participants/xa_sql.h"

namespace xacoord {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

// Sessions of an earlier run of this node that the server still runs: the earlier run
// died while they waited (for a lock, most likely), and the server notices a vanished
// client only when it next writes to it. Left alone, such a session would go on when its
// lock comes free and prepare its branch after start-up recovery listed the server, so
// it is killed first. They are found by the marker every statement before the decision
// carries (session_marker); no session of this run has sent one yet.
asio::awaitable<std::size_t> kill_sessions_of_earlier_runs(db::Session& session,
                                                           const std::string& node_id) {
  std::string marker = session_marker(node_id);
  std::string sql =
      "SELECT id FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND "
      "INSTR(info, '" +
      marker + "') = 1";
  db::Rows rows = co_await db::query(session, std::move(sql));
  std::size_t killed = 0;
  for (const auto& row : rows.rows) {
    std::string kill = "KILL CONNECTION " + std::to_string(db::as_int(row, 0));
    bool gone = false;
    try {
      co_await db::execute(session, std::move(kill));
    } catch (const db::DbError& e) {
      if (e.connection_unusable()) throw;
      gone = true;  // 1094 unknown thread: it ended by itself meanwhile
    }
    if (!gone) ++killed;
  }
  co_return killed;
}

// Sessions an earlier run of this node left idle on the server — after a crash of its host,
// the server has not noticed them go, and a prepared branch attached to one stays locked
// (and answers XAER_NOTA to everyone else) until that session ends. Each registered itself
// when it opened (participants/server_session.h); this run holds the node's lock, so none
// of them can belong to a live coordinator. Ends them and waits until they are gone.
asio::awaitable<std::size_t> end_idle_sessions_of_earlier_runs(db::Session& session,
                                                               const RecoveryOptions& options,
                                                               Clock& clock) {
  std::string sql = db::sessions_of_other_runs_sql(options.node_id, options.run);
  db::Rows rows = co_await db::query(session, std::move(sql));
  std::size_t ended = 0;
  for (const auto& registered : db::registered_from(rows)) {
    if (!co_await db::end_session(session, registered.session, std::chrono::seconds(5), clock)) {
      throw db::DbError(db::ErrorKind::kTimeout, 0,
                        "session " + std::to_string(registered.session.id) +
                            " of an earlier run did not end within 5 s of KILL");
    }
    ++ended;
  }
  std::string prune = db::prune_registrations_sql(options.node_id);
  co_await db::execute(session, std::move(prune));
  co_return ended;
}

}  // namespace

asio::awaitable<std::vector<Xid>> StartupRecovery::recover_list(RecoveryParticipant& p) {
  milliseconds backoff = context_.options.first_backoff;
  for (;;) {
    std::vector<Xid> xids;
    bool answered = false;
    try {
      std::size_t killed =
          co_await kill_sessions_of_earlier_runs(*p.session, context_.options.node_id);
      if (killed > 0) {
        log_event("sessions_of_earlier_run_killed",
                  {{"participant", p.name}, {"sessions", killed}});
      }
      std::size_t ended =
          co_await end_idle_sessions_of_earlier_runs(*p.session, context_.options, context_.clock);
      if (ended > 0) {
        log_event("idle_sessions_of_earlier_run_ended",
                  {{"participant", p.name}, {"sessions", ended}});
      }
      db::Rows rows = co_await db::query(*p.session, db::xa::recover());
      xids = db::xa::parse_recover(rows);
      answered = true;
    } catch (const db::DbError& e) {
      log_event("recovery_waiting_for_database", {{"participant", p.name}, {"error", e.what()}});
    }
    if (answered) co_return xids;
    if (stopped_) co_return std::vector<Xid>{};
    co_await sleep_for(context_.clock, jittered(backoff));
    backoff = std::min(backoff * 2, context_.options.max_backoff);
  }
}

asio::awaitable<void> StartupRecovery::run() {
  crash_point(CrashPoint::kStartupRecovery);  // a stall point: tests hold start-up here
  const auto began = context_.clock.now();
  DecisionState state = co_await context_.store.load();
  std::map<std::string, std::vector<BranchRef>> to_rollback;
  std::size_t listed = 0;
  for (auto& [name, p] : context_.participants) {
    std::vector<Xid> xids = co_await recover_list(p);
    for (const Xid& xid : xids) {
      auto txn = txn_of_xid(xid);
      if (!txn || txn->node != context_.options.node_id) {
        ++foreign_seen_;  // another coordinator's, or not a coordinator's at all: not ours
        continue;
      }
      ++listed;
      std::string id = txn->to_string();
      if (!state.must_commit(id)) to_rollback[id].push_back({name, xid});
    }
  }
  // The gate keeps forced decisions out until start-up has finished (docs/model.md).
  XA_CHECK(!context_.forcing, "a forced decision ran during start-up recovery");
  std::vector<std::shared_ptr<Transaction>> adopted;
  for (const auto& [id, decision] : state.open()) {
    bool forced = state.heuristics().contains(id);
    adopted.push_back(retry_.adopt(id, TxnState::kCommitting, decision.branches, "startup",
                                   /*recorded=*/true, forced));
  }
  for (const auto& [id, branches] : to_rollback) {
    bool forced = state.heuristics().contains(id);
    adopted.push_back(retry_.adopt(id, TxnState::kAborting, branches, "startup",
                                   /*recorded=*/forced, forced));
  }
  // A forced rollback whose branches are all gone already: close its record now.
  for (const auto& [id, heuristic] : state.heuristics()) {
    if (!heuristic.commit && !to_rollback.contains(id)) context_.store.record_finished(id);
  }
  log_event("recovery_started", {{"open_decisions", state.open().size()},
                                 {"prepared_branches_of_ours", listed},
                                 {"to_roll_back", to_rollback.size()},
                                 {"foreign_branches_left_alone", foreign_seen_}});
  while (!stopped_ && std::any_of(adopted.begin(), adopted.end(),
                                  [](const auto& t) { return !is_final(t->state()); })) {
    co_await sleep_for(context_.clock, milliseconds(20));
  }
  context_.ready = true;  // operators' forced decisions are accepted from now on
  log_event("recovery_finished",
            {{"transactions", adopted.size()},
             {"seconds", std::chrono::duration<double>(context_.clock.now() - began).count()}});
}

}  // namespace xacoord
