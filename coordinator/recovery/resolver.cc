#include "coordinator/recovery/resolver.h"

#include <algorithm>
#include <random>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "coordinator/observability/event_log.h"
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

asio::awaitable<void> sleep_for(milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
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
  try {
    co_return co_await db::run_on(*p.lane, [&xid, commit](db::Connection& c) {
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
  if (w.commit) log_.append(FinishedRecord{txn.id_text});
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

asio::awaitable<std::vector<Xid>> Resolver::recover_list(Participant& p) {
  milliseconds backoff = options_.first_backoff;
  for (;;) {
    try {
      co_return co_await db::run_on(*p.lane, [](db::Connection& c) { return c.xa_recover(); });
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
  }
  for (const auto& [id, branches] : to_rollback) {
    adopted.push_back(adopt(id, TxnState::kAborting, branches, "startup"));
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
  const DecisionState state = log_.state();
  for (auto& [name, p] : participants_) {
    std::vector<Xid> xids;
    try {
      xids = co_await db::run_on(*p.lane, [](db::Connection& c) { return c.xa_recover(); });
    } catch (const db::DbError&) {
      continue;  // unreachable: the health check reports it; try at the next scan
    }
    const auto now = Clock::now();
    std::map<Xid, Clock::time_point> still_suspect;
    for (const Xid& xid : xids) {
      auto parsed = txn_of_xid(xid);
      if (!parsed || parsed->node != options_.node_id) continue;
      std::string id = parsed->to_string();
      auto known = registry_.find(id);
      if (known && !is_final(known->state)) continue;  // live here, or recovery owns it
      if (state.must_commit(id)) {
        adopt(id, TxnState::kCommitting, {{name, xid}}, "orphan");
        continue;
      }
      auto seen = p.suspects.find(xid);
      if (seen == p.suspects.end() || now - seen->second < options_.orphan_grace) {
        still_suspect[xid] = seen == p.suspects.end() ? now : seen->second;
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
  const DecisionState state = log_.state();
  auto known = registry_.find(txn_id);
  if (known && (known->state == TxnState::kActive || known->state == TxnState::kPreparing)) {
    co_return ForceResult{false,
                          "transaction " + txn_id + " is live in this coordinator; wait for it"};
  }
  if (!commit && state.must_commit(txn_id)) {
    co_return ForceResult{false, "a commit decision for " + txn_id +
                                     " is logged; rolling it back would break atomicity"};
  }
  if (commit && known &&
      (known->state == TxnState::kAborting || known->state == TxnState::kAborted)) {
    co_return ForceResult{false, "transaction " + txn_id + " was aborted by this coordinator"};
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
  adopt(txn_id, commit ? TxnState::kCommitting : TxnState::kAborting, branches, "operator");
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
