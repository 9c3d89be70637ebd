#include "coordinator/recovery/resolver.h"

#include <algorithm>
#include <random>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "coordinator/observability/event_log.h"
#include "coordinator/recovery/async_sleep.h"
#include "participants/db_error.h"

namespace xacoord {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

std::uint64_t unix_ms_now() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

// Up to 20% jitter, so many branches retried together do not stampede a server that
// just came back.
milliseconds jittered(milliseconds d) {
  static thread_local std::minstd_rand rng{std::random_device{}()};
  return d + milliseconds(std::uniform_int_distribution<long>(0, d.count() / 5)(rng));
}

}  // namespace

Resolver::Resolver(asio::any_io_executor executor, std::vector<db::Pool*> participants,
                   dlog::DecisionLog& log, TxnRegistry& registry, CoordinatorMetrics& metrics,
                   Options options)
    : executor_(std::move(executor)),
      log_(log),
      registry_(registry),
      metrics_(metrics),
      options_(std::move(options)) {
  for (db::Pool* pool : participants) {
    Participant& p = participants_[pool->participant()];
    p.pool = pool;
    p.lane = std::make_unique<db::Lane>(pool->participant() + "/recovery", pool->endpoint(),
                                        pool->timeouts(), 0);
    p.wake = std::make_unique<asio::steady_timer>(executor_);
    asio::co_spawn(executor_, drive(p), asio::detached);
  }
}

Resolver::~Resolver() = default;

void Resolver::stop() {
  stopped_ = true;
  for (auto& [name, p] : participants_)
    p.wake->cancel();
}

Resolver::Participant* Resolver::participant(const std::string& name) {
  auto it = participants_.find(name);
  return it == participants_.end() ? nullptr : &it->second;
}

void Resolver::finish_later(std::shared_ptr<Transaction> txn, std::size_t index, bool commit) {
  Participant* p = participant(txn->branches[index].participant);
  txn->phase_two_pending++;
  log_event("phase_two_handed_to_recovery", {{"txn_id", txn->id_text},
                                             {"participant", txn->branches[index].participant},
                                             {"action", commit ? "commit" : "rollback"}});
  auto now = Clock::now();
  enqueue(*p, Work{std::move(txn), index, commit, "retry", now, now + options_.first_backoff,
                   options_.first_backoff});
}

void Resolver::enqueue(Participant& p, Work w) {
  p.work.push_back(std::move(w));
  p.wake->cancel();
}

// One participant's retry loop: always the work that is due first, never faster than the
// participant's own backoff after it was unreachable.
asio::awaitable<void> Resolver::drive(Participant& p) {
  while (!stopped_) {
    auto earliest =
        std::min_element(p.work.begin(), p.work.end(),
                         [](const Work& a, const Work& b) { return a.next_at < b.next_at; });
    auto due = earliest == p.work.end() ? Clock::time_point::max()
                                        : std::max(earliest->next_at, p.ready_at);
    if (due > Clock::now()) {
      p.wake->expires_at(due);
      boost::system::error_code ec;
      co_await p.wake->async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    // Work may be added while we wait for the server: hold this one by value, find it by
    // identity of (transaction, branch) afterwards.
    Work w = *earliest;
    Attempt result = co_await attempt(p, w);
    auto it = std::find_if(p.work.begin(), p.work.end(),
                           [&](const Work& x) { return x.txn == w.txn && x.index == w.index; });
    if (it == p.work.end()) continue;
    auto now = Clock::now();
    if (result == Attempt::kDone) {
      Work done = std::move(*it);
      p.work.erase(it);
      p.backoff = milliseconds(0);
      completed(p, done);
      continue;
    }
    it->attempts++;
    it->backoff = std::min(it->backoff * 2, options_.max_backoff);
    it->next_at = now + jittered(it->backoff);
    if (result == Attempt::kUnreachable) {
      p.backoff = std::clamp(p.backoff * 2, options_.first_backoff, options_.max_backoff);
      p.ready_at = now + jittered(p.backoff);
    }
  }
}

asio::awaitable<Resolver::Attempt> Resolver::attempt(Participant& p, const Work& w) {
  const Xid xid = w.txn->branches[w.index].xid;
  const bool commit = w.commit;
  Attempt result = Attempt::kRetry;
  try {
    result = co_await db::run_on(*p.lane, [&xid, commit](db::Connection& c) {
      try {
        if (commit) {
          c.xa_commit(xid);
        } else {
          c.xa_rollback(xid);
        }
        return Attempt::kDone;
      } catch (const db::DbError& e) {
        if (e.kind() != db::ErrorKind::kUnknownXid) throw;
        // Unknown here. Done only if the server no longer lists it at all; if it does, the
        // session that prepared it is still attached and we try again later.
        auto prepared = c.xa_recover();
        bool listed = std::find(prepared.begin(), prepared.end(), xid) != prepared.end();
        return listed ? Attempt::kRetry : Attempt::kDone;
      }
    });
  } catch (const db::DbError& e) {
    log_event("recovery_attempt_failed", {{"txn_id", w.txn->id_text},
                                          {"participant", p.pool->participant()},
                                          {"action", commit ? "commit" : "rollback"},
                                          {"attempts", w.attempts + 1},
                                          {"error", e.what()}});
    co_return e.connection_unusable() ? Attempt::kUnreachable : Attempt::kRetry;
  }
  if (result == Attempt::kRetry) {
    // XAER_NOTA, yet XA RECOVER lists it: a session still holds the branch (on MariaDB
    // only that session can finish it until it goes). Not done; try again later.
    log_event("recovery_branch_still_attached", {{"txn_id", w.txn->id_text},
                                                 {"participant", p.pool->participant()},
                                                 {"action", commit ? "commit" : "rollback"},
                                                 {"attempts", w.attempts + 1}});
  }
  co_return result;
}

void Resolver::completed(Participant& p, Work& w) {
  Transaction& txn = *w.txn;
  txn.branches[w.index].state = w.commit ? BranchState::kCommitted : BranchState::kRolledBack;
  metrics_.recovery_action(p.pool->participant(), w.commit ? "commit" : "rollback", w.reason);
  log_event("recovery_finished_branch", {{"txn_id", txn.id_text},
                                         {"participant", p.pool->participant()},
                                         {"action", w.commit ? "commit" : "rollback"},
                                         {"reason", w.reason},
                                         {"attempts", w.attempts + 1}});
  if (--txn.phase_two_pending > 0) return;
  txn.state = w.commit ? TxnState::kCommitted : TxnState::kAborted;
  // A commit decision stays open in the log until this record; so does an operator's
  // forced decision (a forced rollback too), which would otherwise ride along in every
  // checkpoint forever.
  if (w.commit || txn.forced) log_.append(FinishedRecord{txn.id_text});
  registry_.finished(w.txn);
  metrics_.transaction_finished(txn.kind, w.commit ? "committed" : "aborted",
                                Clock::now() - txn.began);
}

std::shared_ptr<Transaction> Resolver::adopt(const std::string& txn_id, TxnState state,
                                             const std::vector<BranchRef>& branches,
                                             const std::string& reason) {
  auto txn = std::make_shared<Transaction>();
  if (auto parsed = TxnId::parse(txn_id)) txn->id = *parsed;
  txn->id_text = txn_id;
  txn->kind = "recovered";
  txn->state = state;
  txn->recovered = true;
  txn->started_at = std::chrono::system_clock::now();
  txn->began = Clock::now();
  txn->deadline = txn->began;
  if (is_decided(state)) txn->decided_at = txn->started_at;
  for (const auto& ref : branches) {
    Participant* p = participant(ref.participant);
    if (!p) {
      throw std::runtime_error("transaction " + txn_id + " has a branch on unknown participant '" +
                               ref.participant +
                               "': start with the participants it was decided with");
    }
    Branch& b = txn->branches.emplace_back();
    b.participant = ref.participant;
    b.xid = ref.xid;
    b.pool = p->pool;
    b.started = true;
    b.state = BranchState::kPrepared;
  }
  registry_.add(txn);
  auto now = Clock::now();
  bool commit = state == TxnState::kCommitting;
  for (std::size_t i = 0; i < txn->branches.size(); ++i) {
    txn->phase_two_pending++;
    enqueue(*participant(txn->branches[i].participant),
            Work{txn, i, commit, reason, now, now, options_.first_backoff});
  }
  return txn;
}

// Sessions of an earlier run of this node that the server still runs: the earlier run
// died while they waited (for a lock, most likely), and the server notices a vanished
// client only when it next writes to it. Left alone, such a session would go on when its
// lock comes free and prepare its branch after start-up recovery listed the server, so
// it is killed first. They are found by the marker every statement before the decision
// carries (session_marker); no session of this run has sent one yet.
std::size_t Resolver::kill_sessions_of_earlier_runs(db::Connection& c) const {
  std::string marker = session_marker(options_.node_id);
  auto rows = c.query(
      "SELECT id FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND "
      "INSTR(info, '" +
      marker + "') = 1");
  std::size_t killed = 0;
  for (const auto& row : rows.rows) {
    try {
      c.execute("KILL CONNECTION " + std::to_string(db::as_int(row, 0)));
      ++killed;
    } catch (const db::DbError& e) {
      if (e.connection_unusable()) throw;
      // 1094 unknown thread: it ended by itself meanwhile.
    }
  }
  return killed;
}

asio::awaitable<std::vector<Xid>> Resolver::recover_list(Participant& p) {
  milliseconds backoff = options_.first_backoff;
  for (;;) {
    try {
      std::size_t killed = 0;
      auto xids = co_await db::run_on(*p.lane, [this, &killed](db::Connection& c) {
        killed = kill_sessions_of_earlier_runs(c);
        return c.xa_recover();
      });
      if (killed > 0) {
        log_event("sessions_of_earlier_run_killed",
                  {{"participant", p.pool->participant()}, {"sessions", killed}});
      }
      co_return xids;
    } catch (const db::DbError& e) {
      log_event("recovery_waiting_for_database",
                {{"participant", p.pool->participant()}, {"error", e.what()}});
    }
    if (stopped_) co_return std::vector<Xid>{};
    co_await sleep_for(jittered(backoff));
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

asio::awaitable<void> Resolver::recover_at_startup() {
  const auto began = Clock::now();
  DecisionState state = log_.state();
  std::map<std::string, std::vector<BranchRef>> to_rollback;
  std::size_t listed = 0;
  for (auto& [name, p] : participants_) {
    for (const Xid& xid : co_await recover_list(p)) {
      auto txn = txn_of_xid(xid);
      if (!txn || txn->node != options_.node_id) {
        ++foreign_seen_;  // another coordinator's, or not a coordinator's at all: not ours to touch
        continue;
      }
      ++listed;
      std::string id = txn->to_string();
      if (!state.must_commit(id)) to_rollback[id].push_back({name, xid});
    }
  }
  std::vector<std::shared_ptr<Transaction>> adopted;
  for (const auto& [id, decision] : state.open()) {
    adopted.push_back(adopt(id, TxnState::kCommitting, decision.branches, "startup"));
    adopted.back()->forced = state.heuristics().contains(id);
  }
  for (const auto& [id, branches] : to_rollback) {
    adopted.push_back(adopt(id, TxnState::kAborting, branches, "startup"));
    adopted.back()->forced = state.heuristics().contains(id);
  }
  // A forced rollback whose branches are all gone already: close its record now.
  for (const auto& [id, heuristic] : state.heuristics()) {
    if (!heuristic.commit && !to_rollback.contains(id)) log_.append(FinishedRecord{id});
  }
  log_event("recovery_started", {{"open_decisions", state.open().size()},
                                 {"prepared_branches_of_ours", listed},
                                 {"to_roll_back", to_rollback.size()},
                                 {"foreign_branches_left_alone", foreign_seen_}});
  while (!stopped_ && std::any_of(adopted.begin(), adopted.end(),
                                  [](const auto& t) { return !is_final(t->state); })) {
    co_await sleep_for(milliseconds(20));
  }
  log_event("recovery_finished",
            {{"transactions", adopted.size()},
             {"seconds", std::chrono::duration<double>(Clock::now() - began).count()}});
}

asio::awaitable<void> Resolver::scan_orphans() {
  for (auto& [name, p] : participants_) {
    std::vector<Xid> xids;
    try {
      xids = co_await db::run_on(*p.lane, [](db::Connection& c) { return c.xa_recover(); });
    } catch (const db::DbError&) {
      continue;  // unreachable: the health check reports it; try at the next scan
    }
    // Read after the listing: whatever was decided before the server listed a branch is
    // in this state, so a branch is never rolled back against a decision made before.
    const DecisionState state = log_.state();
    const auto now = Clock::now();
    std::map<Xid, Clock::time_point> still_suspect;
    for (const Xid& xid : xids) {
      auto parsed = txn_of_xid(xid);
      if (!parsed || parsed->node != options_.node_id) continue;
      std::string id = parsed->to_string();
      auto known = registry_.find(id);
      if (known && !is_final(known->state)) continue;  // live here, or recovery owns it
      // Everything else waits for a second sighting a grace period later: the branch of a
      // transaction that finished just after the listing is gone by then.
      auto seen = p.suspects.find(xid);
      if (seen == p.suspects.end() || now - seen->second < options_.orphan_grace) {
        still_suspect[xid] = seen == p.suspects.end() ? now : seen->second;
        continue;
      }
      if (state.must_commit(id)) {
        log_event("orphan_branch_committed",
                  {{"txn_id", id}, {"participant", name}, {"xid", xid.to_string()}});
        adopt(id, TxnState::kCommitting, {{name, xid}}, "orphan");
        continue;
      }
      log_event("orphan_branch_rolled_back",
                {{"txn_id", id}, {"participant", name}, {"xid", xid.to_string()}});
      adopt(id, TxnState::kAborting, {{name, xid}}, "orphan");
    }
    p.suspects = std::move(still_suspect);
  }
}

asio::awaitable<Resolver::ForceResult> Resolver::force(std::string txn_id, bool commit,
                                                       std::string reason) {
  auto parsed_id = TxnId::parse(txn_id);
  if (!parsed_id) co_return ForceResult{false, "'" + txn_id + "' is not a transaction id"};
  if (parsed_id->node != options_.node_id) {
    // Invariant 4: another node's branches are never touched; its own coordinator (started
    // with that node id and its decision log) is the one to resolve them.
    co_return ForceResult{false, "transaction " + txn_id + " belongs to node " + parsed_id->node +
                                     ", not to this coordinator (node " + options_.node_id + ")"};
  }
  const DecisionState state = log_.state();
  auto known = registry_.find(txn_id);
  if (known && !is_final(known->state) && !known->in_doubt()) {
    // Its own sessions are still at work on it (statements, prepare, or phase two): a
    // second hand on its branches could only race them.
    co_return ForceResult{false,
                          "transaction " + txn_id + " is live in this coordinator; wait for it"};
  }
  if (!commit && (state.must_commit(txn_id) || (known && (known->state == TxnState::kCommitting ||
                                                          known->state == TxnState::kCommitted)))) {
    co_return ForceResult{false, "a commit decision for " + txn_id +
                                     " is logged; rolling it back would break atomicity"};
  }
  if (commit && known &&
      (known->state == TxnState::kAborting || known->state == TxnState::kAborted)) {
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
    // out the backoff, and log nothing new.
    std::size_t branches = 0;
    for (auto& [name, p] : participants_) {
      for (auto& w : p.work) {
        if (w.txn != known) continue;
        w.next_at = Clock::now();
        w.backoff = options_.first_backoff;
        ++branches;
      }
      p.ready_at = Clock::now();
      p.wake->cancel();
    }
    co_return ForceResult{true,
                          std::string("recovery is already ") +
                              (commit ? "committing" : "rolling back") + " it; retrying now",
                          branches};
  }
  std::vector<BranchRef> branches;
  for (auto& [name, p] : participants_) {
    std::vector<Xid> xids;
    try {
      xids = co_await db::run_on(*p.lane, [](db::Connection& c) { return c.xa_recover(); });
    } catch (const db::DbError& e) {
      co_return ForceResult{false, "cannot list prepared branches on " + name + ": " + e.what()};
    }
    for (const Xid& xid : xids) {
      auto parsed = txn_of_xid(xid);
      if (parsed && parsed->to_string() == txn_id) branches.push_back({name, xid});
    }
  }
  if (branches.empty()) {
    co_return ForceResult{false, "no database holds a prepared branch of " + txn_id};
  }
  HeuristicRecord record{txn_id, commit, static_cast<std::int64_t>(unix_ms_now()), reason,
                         branches};
  if (!co_await log_.async_append(record, asio::use_awaitable)) {
    co_return ForceResult{false, "the decision log refused the record"};
  }
  log_event("heuristic_decision", {{"txn_id", txn_id}, {"commit", commit}, {"reason", reason}});
  adopt(txn_id, commit ? TxnState::kCommitting : TxnState::kAborting, branches, "operator")
      ->forced = true;
  co_return ForceResult{true, std::string(commit ? "commit" : "rollback") + " forced",
                        branches.size()};
}

std::size_t Resolver::pending() const {
  std::size_t n = 0;
  for (const auto& [name, p] : participants_)
    n += p.work.size();
  return n;
}

std::size_t Resolver::stuck() const {
  std::size_t n = 0;
  auto now = Clock::now();
  for (const auto& [name, p] : participants_) {
    for (const auto& w : p.work) {
      if (now - w.first_at > options_.stuck_after) ++n;
    }
  }
  return n;
}

}  // namespace xacoord
