#include "coordinator/architectures/saga/saga_recovery.h"

#include "coordinator/domain/local_session.h"
#include "coordinator/engine/two_phase_commit.h"
#include "coordinator/observability/event_log.h"
#include "coordinator/recovery/recovery_context.h"
#include "participants/db_error.h"

namespace xacoord::saga {

namespace asio = boost::asio;

// The same search as the XA arm's start-up recovery (docs/recovery.md): a session whose
// running statement starts with this node's marker belongs to an earlier run, since this
// run has sent nothing yet.
asio::awaitable<std::size_t> SagaRecovery::kill_earlier_sessions(db::Pool& pool) {
  std::vector<std::string> find;
  find.push_back(
      "SELECT id FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND "
      "INSTR(info, '" +
      session_marker(options_.node_id) + "') = 1");
  db::Results found = co_await run_local(pool, deadline(), std::move(find));
  std::size_t killed = 0;
  for (const auto& row : found.at(0)->rows) {
    std::vector<std::string> kill;
    kill.push_back("KILL CONNECTION " + std::to_string(db::as_int(row, 0)));
    bool gone = false;
    try {
      co_await run_local(pool, deadline(), std::move(kill));
    } catch (const db::DbError& e) {
      if (e.connection_unusable() || e.no_session()) throw;
      gone = true;  // 1094 unknown thread: it ended by itself meanwhile
    }
    if (!gone) ++killed;
  }
  co_return killed;
}

asio::awaitable<void> SagaRecovery::list_kind(Kind kind, std::vector<log_sql::Row>& out) {
  db::Pool& pool = kind == Kind::kPay ? payments_ : orders_;
  std::string after;
  for (;;) {
    std::vector<std::string> page;
    page.push_back(log_sql::list_open_sql(options_.node_id, kind, after, kPage));
    db::Results results = co_await run_local(pool, deadline(), std::move(page));
    std::vector<log_sql::Row> rows = log_sql::rows_from(*results.at(0));
    for (auto& r : rows)
      out.push_back(std::move(r));
    if (rows.size() < static_cast<std::size_t>(kPage)) co_return;
    after = out.back().saga_id;
  }
}

asio::awaitable<std::vector<log_sql::Row>> SagaRecovery::list_open() {
  std::vector<log_sql::Row> rows;
  co_await list_kind(Kind::kPay, rows);
  co_await list_kind(Kind::kCancel, rows);
  co_return rows;
}

asio::awaitable<std::vector<log_sql::Row>> SagaRecovery::fence_and_list(const bool& stopped) {
  std::chrono::milliseconds backoff = options_.first_backoff;
  bool fenced[2] = {false, false};
  for (;;) {
    std::string error;
    std::vector<log_sql::Row> rows;
    try {
      db::Pool* pools[2] = {&orders_, &payments_};
      for (int i = 0; i < 2; ++i) {
        if (fenced[i]) continue;
        std::size_t killed = co_await kill_earlier_sessions(*pools[i]);
        if (killed > 0) {
          log_event("sessions_of_earlier_run_killed",
                    {{"participant", pools[i]->participant()}, {"sessions", killed}});
        }
        fenced[i] = true;
      }
      rows = co_await list_open();
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (error.empty()) co_return rows;
    log_event("recovery_waiting_for_database", {{"architecture", "saga"}, {"error", error}});
    if (stopped) co_return std::vector<log_sql::Row>{};
    co_await sleep_for(clock_, jittered(backoff));
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace xacoord::saga
