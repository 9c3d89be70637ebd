#include "coordinator/recovery/phase_two_retry.h"

#include <algorithm>
#include <random>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "common/check.h"
#include "coordinator/observability/event_log.h"
#include "participants/db_error.h"
#include "participants/server_session.h"
#include "participants/xa_sql.h"

namespace xacoord {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {
// How long one attempt waits for an abandoned session to leave the server's process list.
constexpr milliseconds kEndSessionWait{2'000};
}  // namespace

milliseconds jittered(milliseconds d) {
  static thread_local std::minstd_rand rng{std::random_device{}()};
  return d + milliseconds(std::uniform_int_distribution<long>(0, d.count() / 5)(rng));
}

PhaseTwoRetry::PhaseTwoRetry(RecoveryContext& context) : context_(context) {
  for (auto& [name, participant] : context_.participants) {
    Queue& q = queues_[name];
    q.participant = &participant;
    q.wake = context_.clock.make_timer(context_.executor);
    asio::co_spawn(context_.executor, drive(q), asio::detached);
  }
}

PhaseTwoRetry::~PhaseTwoRetry() = default;

void PhaseTwoRetry::stop() {
  stopped_ = true;
  for (auto& [name, q] : queues_)
    q.wake->cancel();
}

PhaseTwoRetry::Queue& PhaseTwoRetry::queue_of(const std::string& participant) {
  auto it = queues_.find(participant);
  if (it == queues_.end()) {
    throw std::runtime_error("a branch on unknown participant '" + participant +
                             "': start with the participants it was decided with");
  }
  return it->second;
}

void PhaseTwoRetry::finish_later(std::shared_ptr<Transaction> txn, std::size_t index) {
  Queue& q = queue_of(txn->branches()[index].participant);
  txn->hand_to_recovery(index);
  const bool commit = txn->state() == TxnState::kCommitting;
  log_event("phase_two_handed_to_recovery", {{"txn_id", txn->id_text()},
                                             {"participant", q.participant->name},
                                             {"action", commit ? "commit" : "rollback"}});
  auto now = context_.clock.now();
  auto first = context_.options.first_backoff;
  enqueue(q, Work{std::move(txn), index, "retry", now, now + first, first});
}

std::shared_ptr<Transaction> PhaseTwoRetry::adopt(const std::string& txn_id, TxnState decided,
                                                  const std::vector<BranchRef>& branches,
                                                  const std::string& reason, bool recorded,
                                                  bool forced) {
  auto parsed = TxnId::parse(txn_id);
  XA_CHECK(parsed.has_value(), "adopting a transaction with a malformed id '" + txn_id + "'");
  for (const auto& ref : branches)
    queue_of(ref.participant);  // throws for an unknown one
  auto txn = context_.table.make_adopted(*parsed);
  for (const auto& ref : branches) {
    Branch& b = txn->branches().emplace_back();
    b.participant = ref.participant;
    b.xid = ref.xid;
    b.pool = queue_of(ref.participant).participant->pool;
    b.started = true;
    b.state = BranchState::kPrepared;
  }
  txn->adopt(decided, context_.clock.wall_now(), recorded, forced);
  auto now = context_.clock.now();
  for (std::size_t i = 0; i < txn->branches().size(); ++i) {
    txn->hand_to_recovery(i);
    enqueue(queue_of(txn->branches()[i].participant),
            Work{txn, i, reason, now, now, context_.options.first_backoff});
  }
  return txn;
}

std::size_t PhaseTwoRetry::hurry(const std::shared_ptr<Transaction>& txn) {
  std::size_t branches = 0;
  auto now = context_.clock.now();
  for (auto& [name, q] : queues_) {
    for (auto& w : q.work) {
      if (w.txn != txn) continue;
      w.next_at = now;
      w.backoff = context_.options.first_backoff;
      ++branches;
    }
    q.ready_at = now;
    q.wake->cancel();
  }
  return branches;
}

void PhaseTwoRetry::enqueue(Queue& q, Work w) {
  q.work.push_back(std::move(w));
  q.wake->cancel();
}

// One participant's retry loop: always the work that is due first, never faster than the
// participant's own backoff after it was unreachable.
asio::awaitable<void> PhaseTwoRetry::drive(Queue& q) {
  while (!stopped_) {
    auto earliest =
        std::min_element(q.work.begin(), q.work.end(),
                         [](const Work& a, const Work& b) { return a.next_at < b.next_at; });
    auto due =
        earliest == q.work.end() ? SteadyTime::max() : std::max(earliest->next_at, q.ready_at);
    if (due > context_.clock.now()) {
      co_await wait_until(*q.wake, due);
      continue;
    }
    // Work may be added while we wait for the server: hold this one by value, find it by
    // identity of (transaction, branch) afterwards.
    Work w = *earliest;
    Attempt result = co_await attempt(q, w);
    auto it = std::find_if(q.work.begin(), q.work.end(),
                           [&](const Work& x) { return x.txn == w.txn && x.index == w.index; });
    if (it == q.work.end()) continue;
    auto now = context_.clock.now();
    if (result == Attempt::kDone) {
      Work done = std::move(*it);
      q.work.erase(it);
      q.backoff = milliseconds(0);
      completed(q, done);
      continue;
    }
    it->txn->branches()[it->index].recovery_attempts++;
    it->backoff = std::min(it->backoff * 2, context_.options.max_backoff);
    it->next_at = now + jittered(it->backoff);
    if (result == Attempt::kUnreachable) {
      q.backoff =
          std::clamp(q.backoff * 2, context_.options.first_backoff, context_.options.max_backoff);
      q.ready_at = now + jittered(q.backoff);
    }
  }
}

asio::awaitable<PhaseTwoRetry::Attempt> PhaseTwoRetry::attempt(Queue& q, const Work& w) {
  Branch& branch = w.txn->branches()[w.index];
  const Xid xid = branch.xid;
  const bool commit = w.txn->state() == TxnState::kCommitting;
  db::Session& session = *q.participant->session;
  std::string verb = commit ? db::xa::commit(xid) : db::xa::rollback(xid);
  bool unknown_xid = false;
  std::exception_ptr failure;
  if (!context_.options.may_decide()) {
    branch.last_error = "this coordinator's ownership of its node id is not confirmed";
    co_return Attempt::kUnreachable;
  }
  try {
    if (branch.abandoned) {
      // The session the branch was left on must be gone before XA RECOVER means anything:
      // a server that has not noticed may still run its buffered XA PREPARE, and on MariaDB
      // a branch attached to a live session answers XAER_NOTA to everyone else.
      if (!co_await db::end_session(session, branch.abandoned, kEndSessionWait, context_.clock)) {
        branch.last_error = "its abandoned session " + std::to_string(branch.abandoned.id) +
                            " is still on the server";
        co_return Attempt::kRetry;
      }
      log_event("abandoned_session_ended", {{"txn_id", w.txn->id_text()},
                                            {"participant", q.participant->name},
                                            {"session", branch.abandoned.id}});
      branch.abandoned = {};
    }
    co_await db::execute(session, std::move(verb));
    co_return Attempt::kDone;
  } catch (const db::DbError& e) {
    if (e.kind() == db::ErrorKind::kUnknownXid) {
      unknown_xid = true;
    } else {
      failure = std::current_exception();
    }
  }
  if (unknown_xid) {
    // Unknown here. Done only if the server no longer lists it at all; if it does, the
    // session that prepared it is still attached and we try again later.
    try {
      db::Rows rows = co_await db::query(session, db::xa::recover());
      auto prepared = db::xa::parse_recover(rows);
      if (std::find(prepared.begin(), prepared.end(), xid) == prepared.end())
        co_return Attempt::kDone;
    } catch (const db::DbError&) {
      failure = std::current_exception();
    }
    if (!failure) {
      branch.last_error = "XAER_NOTA while XA RECOVER still lists it: its session is attached";
      // XAER_NOTA, yet XA RECOVER lists it: a session still holds the branch (on MariaDB
      // only that session can finish it until it goes). Not done; try again later.
      log_event("recovery_branch_still_attached", {{"txn_id", w.txn->id_text()},
                                                   {"participant", q.participant->name},
                                                   {"action", commit ? "commit" : "rollback"},
                                                   {"attempts", branch.recovery_attempts + 1}});
      co_return Attempt::kRetry;
    }
  }
  try {
    std::rethrow_exception(failure);
  } catch (const db::DbError& e) {
    branch.last_error = e.what();
    log_event("recovery_attempt_failed", {{"txn_id", w.txn->id_text()},
                                          {"participant", q.participant->name},
                                          {"action", commit ? "commit" : "rollback"},
                                          {"attempts", branch.recovery_attempts + 1},
                                          {"error", e.what()}});
    co_return e.connection_unusable() ? Attempt::kUnreachable : Attempt::kRetry;
  }
}

void PhaseTwoRetry::completed(Queue& q, Work& w) {
  Transaction& txn = *w.txn;
  const bool commit = txn.state() == TxnState::kCommitting;
  context_.metrics.recovery_action(q.participant->name, commit ? "commit" : "rollback", w.reason);
  log_event("recovery_finished_branch",
            {{"txn_id", txn.id_text()},
             {"participant", q.participant->name},
             {"action", commit ? "commit" : "rollback"},
             {"reason", w.reason},
             {"attempts", txn.branches()[w.index].recovery_attempts + 1}});
  // The last branch finishes the transaction (transaction.h): one finish path.
  txn.branch_done(w.index, commit ? BranchState::kCommitted : BranchState::kRolledBack);
}

std::size_t PhaseTwoRetry::pending() const {
  std::size_t n = 0;
  for (const auto& [name, q] : queues_)
    n += q.work.size();
  return n;
}

std::size_t PhaseTwoRetry::stuck() const {
  std::size_t n = 0;
  auto now = context_.clock.now();
  for (const auto& [name, q] : queues_) {
    for (const auto& w : q.work) {
      if (now - w.first_at > context_.options.stuck_after) ++n;
    }
  }
  return n;
}

milliseconds PhaseTwoRetry::oldest_age() const {
  milliseconds oldest{0};
  auto now = context_.clock.now();
  for (const auto& [name, q] : queues_) {
    for (const auto& w : q.work)
      oldest = std::max(oldest, std::chrono::duration_cast<milliseconds>(now - w.first_at));
  }
  return oldest;
}

}  // namespace xacoord
