#include "coordinator/store/etcd/etcd_decision_store.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace xacoord::etcd {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

asio::awaitable<void> nap(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

const RangeResult& range_at(const TxnResult& r, std::size_t i) {
  if (i >= r.responses.size() || !std::holds_alternative<RangeResult>(r.responses[i])) {
    throw EtcdError(ErrorKind::kProtocol, "etcd txn answer lacks the read it was asked for");
  }
  return std::get<RangeResult>(r.responses[i]);
}

// The transaction's result or the error it failed with: a coroutine may not co_await
// inside a catch block, and every caller here waits a little after an error.
using TxnOutcome = std::variant<TxnResult, EtcdError>;
asio::awaitable<TxnOutcome> try_txn(Client& client, TxnRequest t, Deadline deadline) {
  try {
    co_return co_await client.txn(std::move(t), deadline);
  } catch (const EtcdError& e) {
    co_return e;
  }
}

std::uint64_t parse_epoch(const KeyValue& kv) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(kv.value.data(), kv.value.data() + kv.value.size(), n);
  if (ec != std::errc() || end != kv.value.data() + kv.value.size() || kv.value.empty()) {
    throw std::runtime_error("etcd key " + kv.key + " holds no epoch: '" + kv.value + "'");
  }
  return n;
}

}  // namespace

EtcdDecisionStore::EtcdDecisionStore(Client& client, const NodeRegistration& registration,
                                     EtcdStoreOptions options, asio::any_io_executor executor)
    : client_(client),
      registration_(registration),
      layout_(registration.layout()),
      options_(std::move(options)),
      executor_(executor),
      flusher_wake_(executor) {
  options_.max_batch = std::clamp<std::size_t>(options_.max_batch, 1, 127);
  options_.max_in_flight = std::max<std::size_t>(options_.max_in_flight, 1);
}

EtcdDecisionStore::~EtcdDecisionStore() = default;

asio::awaitable<std::unique_ptr<EtcdDecisionStore>> EtcdDecisionStore::open(
    Client& client, const NodeRegistration& registration, EtcdStoreOptions options) {
  auto executor = co_await asio::this_coro::executor;
  std::unique_ptr<EtcdDecisionStore> store(
      new EtcdDecisionStore(client, registration, std::move(options), executor));
  co_await store->bump_epoch();
  co_return store;
}

bool EtcdDecisionStore::owned_in(const RangeResult& read) const {
  return !read.kvs.empty() && read.kvs[0].create_revision == registration_.revision();
}

asio::awaitable<void> EtcdDecisionStore::bump_epoch() {
  const std::string key = layout_.epoch(registration_.node_id());
  auto give_up = Clock::now() + options_.settle_timeout;
  std::optional<std::uint64_t> intended;
  while (true) {
    if (Clock::now() >= give_up) {
      throw EtcdError(ErrorKind::kUnavailable,
                      "etcd: could not start a new epoch for node " + registration_.node_id());
    }
    RangeResult now = co_await client_.get(key);
    std::uint64_t current = now.kvs.empty() ? 0 : parse_epoch(now.kvs[0]);
    // Only this registration writes the node's epoch: after a lost answer, finding the
    // value we meant to write means our write landed.
    if (intended && current == *intended) {
      epoch_ = current;
      co_return;
    }
    TxnRequest t;
    t.compare.push_back(registration_.owned());
    t.compare.push_back(now.kvs.empty() ? Compare::absent(key)
                                        : Compare::modified_at(key, now.kvs[0].mod_revision));
    t.success.push_back(put(key, std::to_string(current + 1)));
    t.failure.push_back(get(registration_.key()));
    intended = current + 1;
    TxnOutcome outcome =
        co_await try_txn(client_, std::move(t), Client::after(options_.write_timeout));
    if (auto* e = std::get_if<EtcdError>(&outcome)) {
      if (e->kind() == ErrorKind::kRejected) throw *e;
      co_await nap(std::chrono::milliseconds(100));
      continue;
    }
    const TxnResult& r = std::get<TxnResult>(outcome);
    if (r.succeeded) {
      epoch_ = current + 1;
      co_return;
    }
    if (!owned_in(range_at(r, 0))) {
      throw NodeOwned("node id " + registration_.node_id() +
                      ": the registration was lost before the epoch could start");
    }
  }
}

void EtcdDecisionStore::finish(Pending& p, Outcome outcome, std::string why) {
  if (!p.waiter || p.waiter->outcome != Outcome::kPending) return;
  p.waiter->outcome = outcome;
  p.waiter->why = std::move(why);
  p.waiter->done.notify();
}

EtcdDecisionStore::Outcome EtcdDecisionStore::outcome_for_commit(const KeyValue& kv) {
  auto stored = decode_stored(kv.value);
  if (!stored) throw std::runtime_error("etcd key " + kv.key + " holds no decision xacoord wrote");
  if (std::holds_alternative<CommitDecision>(*stored)) return Outcome::kTrue;
  if (auto* h = std::get_if<HeuristicRecord>(&*stored)) {
    return h->commit ? Outcome::kTrue : Outcome::kFalse;
  }
  return Outcome::kFalse;  // aborted marker
}

asio::awaitable<bool> EtcdDecisionStore::record_commit(CommitDecision decision) {
  auto waiter = std::make_shared<Waiter>(executor_);
  std::string key = layout_.decision(registration_.node_id(), decision.txn_id);
  queue_.push_back(Pending{std::move(key), encode_stored(std::move(decision)), waiter});
  start_writers();
  co_await waiter->done.wait();
  switch (waiter->outcome) {
    case Outcome::kTrue:
      ++stats_.committed;
      co_return true;
    case Outcome::kFalse:
      ++stats_.refused;
      co_return false;
    case Outcome::kUnsettled:
    case Outcome::kPending:
      break;
  }
  ++stats_.unsettled;
  throw DecisionUnsettled(waiter->why);
}

void EtcdDecisionStore::start_writers() {
  while (writers_ < options_.max_in_flight && writers_ < queue_.size()) {
    ++writers_;
    asio::co_spawn(executor_, writer(), asio::detached);
  }
}

asio::awaitable<void> EtcdDecisionStore::writer() {
  while (!queue_.empty()) {
    std::vector<Pending> batch;
    while (!queue_.empty() && batch.size() < options_.max_batch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    try {
      co_await write_batch(batch);
    } catch (const std::exception& e) {
      // What gets here is an answer we cannot read, or a value in etcd that xacoord did
      // not write: loud, and no waiter is left hanging (write_batch works out every
      // outcome before it answers or requeues anyone; finish() skips the answered).
      for (auto& p : batch)
        finish(p, Outcome::kUnsettled, e.what());
    }
  }
  if (--writers_ == 0 && writers_idle_) writers_idle_->notify();
}

std::string EtcdDecisionStore::txn_of(const Pending& p) const {
  return layout_.txn_of(registration_.node_id(), p.key);
}

asio::awaitable<void> EtcdDecisionStore::write_batch(std::vector<Pending>& batch) {
  ++stats_.batches;
  stats_.batched += batch.size();
  stats_.largest_batch = std::max<std::uint64_t>(stats_.largest_batch, batch.size());

  // After a lost answer the batch is being settled: the same put-if-absent is sent again
  // until an answer comes back. That is safe — a put-if-absent applies at most once, and
  // whichever copy lands first, the key then holds this decision and every later copy
  // fails its compare — and the read in the failure branch tells what is there.
  bool settling = false;
  auto give_up = Clock::now() + options_.write_timeout;
  std::string last_error;
  while (!batch.empty()) {
    if (settling && Clock::now() >= give_up) break;
    TxnRequest t;
    t.compare.push_back(registration_.owned());
    t.failure.push_back(get(registration_.key()));
    for (const auto& p : batch) {
      t.compare.push_back(Compare::absent(p.key));
      t.success.push_back(put(p.key, p.value));
      t.failure.push_back(get(p.key));
    }
    TxnOutcome outcome = co_await try_txn(client_, std::move(t),
                                          std::min(give_up, Client::after(options_.write_timeout)));
    if (auto* e = std::get_if<EtcdError>(&outcome)) {
      last_error = e->what();
      if (e->ambiguous() && !settling) {
        ++stats_.ambiguous;
        settling = true;
        give_up = Clock::now() + options_.settle_timeout;
      }
      if (!settling || e->kind() == ErrorKind::kRejected) {
        // Nothing was applied (no member took it, or etcd refused the request itself)
        // and nothing of this batch is in flight: these decisions are not recorded.
        for (auto& p : batch)
          finish(p, settling ? Outcome::kUnsettled : Outcome::kFalse, last_error);
        co_return;
      }
      co_await nap(std::chrono::milliseconds(100));
      continue;
    }
    const TxnResult& r = std::get<TxnResult>(outcome);
    if (r.succeeded) {
      if (settling) stats_.settled_committed += batch.size();
      for (auto& p : batch)
        finish(p, Outcome::kTrue);
      co_return;
    }
    // Some compare failed: the registration is gone, or some keys exist already (this
    // very decision landing from a lost attempt, a decision recorded twice, an aborted
    // marker).
    const bool owned = owned_in(range_at(r, 0));
    std::vector<Outcome> outcomes;  // all worked out first: reading them may throw
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const RangeResult& read = range_at(r, i + 1);
      if (!read.kvs.empty()) {
        outcomes.push_back(outcome_for_commit(read.kvs[0]));
      } else if (owned) {
        outcomes.push_back(Outcome::kPending);  // write it again
      } else {
        // Fenced off. Without a lost attempt the key certainly stays absent. After one,
        // the lost write may have landed and been finished and deleted by whoever took
        // the node over: absence proves nothing then.
        outcomes.push_back(settling ? Outcome::kUnsettled : Outcome::kFalse);
      }
    }
    std::vector<Pending> again;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (outcomes[i] == Outcome::kPending) {
        again.push_back(std::move(batch[i]));
        continue;
      }
      if (settling && outcomes[i] == Outcome::kTrue) ++stats_.settled_committed;
      if (settling && outcomes[i] == Outcome::kFalse) ++stats_.settled_aborted;
      finish(batch[i], outcomes[i],
             "the decision of " + txn_of(batch[i]) + " was lost in flight and node " +
                 registration_.node_id() +
                 " is no longer registered: its outcome is for the takeover to tell");
    }
    batch = std::move(again);
    if (!settling) {
      // Absent keys of a live registration go back to the queue's head, for the next
      // batch (a batch fails as a whole when one key exists).
      for (auto it = batch.rbegin(); it != batch.rend(); ++it)
        queue_.push_front(std::move(*it));
      batch.clear();
    }
  }
  for (auto& p : batch) {
    finish(p, Outcome::kUnsettled,
           "the decision of " + txn_of(p) +
               " was lost in flight and could not be settled: " + last_error);
  }
}

asio::awaitable<bool> EtcdDecisionStore::abort_if_undecided(std::string txn_id) {
  const std::string key = layout_.decision(registration_.node_id(), txn_id);
  const std::string marker = encode_stored(AbortedMarker{registration_.revision()});
  auto give_up = Clock::now() + options_.settle_timeout;
  bool lost_once = false;
  std::string last_error = "no attempt";
  while (Clock::now() < give_up) {
    TxnRequest t;
    t.compare.push_back(registration_.owned());
    t.compare.push_back(Compare::absent(key));
    t.success.push_back(put(key, marker));
    t.failure.push_back(get(registration_.key()));
    t.failure.push_back(get(key));
    TxnOutcome outcome = co_await try_txn(client_, std::move(t),
                                          std::min(give_up, Client::after(options_.write_timeout)));
    if (auto* e = std::get_if<EtcdError>(&outcome)) {
      if (e->kind() == ErrorKind::kRejected) throw *e;
      last_error = e->what();
      lost_once = lost_once || e->ambiguous();
      co_await nap(std::chrono::milliseconds(100));
      continue;
    }
    const TxnResult& r = std::get<TxnResult>(outcome);
    if (r.succeeded) co_return true;
    const RangeResult& read = range_at(r, 1);
    if (!read.kvs.empty()) co_return outcome_for_commit(read.kvs[0]) == Outcome::kFalse;
    if (!owned_in(range_at(r, 0))) {
      throw DecisionUnsettled("node " + registration_.node_id() +
                              " is no longer registered: the outcome of " + txn_id +
                              " is for the takeover to tell");
    }
  }
  throw DecisionUnsettled("could not mark " + txn_id + " aborted: " + last_error);
}

asio::awaitable<bool> EtcdDecisionStore::record_heuristic(HeuristicRecord record) {
  const std::string key = layout_.decision(registration_.node_id(), record.txn_id);
  const std::string value = encode_stored(record);
  auto give_up = Clock::now() + options_.settle_timeout;
  bool lost_once = false;
  std::optional<std::int64_t> replace_at;  // mod revision of an aborted marker to replace
  while (Clock::now() < give_up) {
    TxnRequest t;
    t.compare.push_back(registration_.owned());
    t.compare.push_back(replace_at ? Compare::modified_at(key, *replace_at) : Compare::absent(key));
    t.success.push_back(put(key, value));
    t.failure.push_back(get(registration_.key()));
    t.failure.push_back(get(key));
    TxnOutcome outcome = co_await try_txn(client_, std::move(t),
                                          std::min(give_up, Client::after(options_.write_timeout)));
    if (auto* e = std::get_if<EtcdError>(&outcome)) {
      if (e->kind() == ErrorKind::kRejected) co_return false;
      // Resending is safe: a put-if-absent (or the compare on the marker's revision)
      // cannot apply twice; the read that follows a failure tells what is there.
      lost_once = lost_once || e->ambiguous();
      co_await nap(std::chrono::milliseconds(100));
      continue;
    }
    const TxnResult& r = std::get<TxnResult>(outcome);
    if (r.succeeded) co_return true;
    const RangeResult& read = range_at(r, 1);
    if (read.kvs.empty()) {
      if (!owned_in(range_at(r, 0))) {
        if (lost_once) {
          throw DecisionUnsettled("the forced decision of " + record.txn_id +
                                  " was lost in flight and the node is no longer registered");
        }
        co_return false;
      }
      replace_at.reset();
      continue;
    }
    const KeyValue& kv = read.kvs[0];
    if (kv.value == value) co_return true;  // ours, from an attempt whose answer was lost
    auto stored = decode_stored(kv.value);
    if (!stored) throw std::runtime_error("etcd key " + key + " holds no decision xacoord wrote");
    if (std::holds_alternative<CommitDecision>(*stored)) co_return record.commit;
    if (auto* h = std::get_if<HeuristicRecord>(&*stored)) co_return h->commit == record.commit;
    // An aborted marker: nothing can commit this transaction any more; a forced rollback
    // takes the key over (to keep the operator's reason), a forced commit is refused.
    if (record.commit) co_return false;
    replace_at = kv.mod_revision;
  }
  if (lost_once) {
    throw DecisionUnsettled("the forced decision of " + record.txn_id +
                            " was lost in flight and could not be settled");
  }
  co_return false;
}

void EtcdDecisionStore::record_finished(std::string txn_id) {
  if (finished_.size() >= options_.finished_queue_limit) {
    // A lost FINISHED only means the decision is replayed once more (decision_store.h).
    ++stats_.finished_dropped;
    return;
  }
  finished_.push_back(layout_.decision(registration_.node_id(), txn_id));
  if (!flusher_running_ && !closing_) {
    flusher_running_ = true;
    flusher_exited_ = std::make_unique<Signal>(executor_);
    asio::co_spawn(executor_, flusher(), asio::detached);
  }
}

asio::awaitable<void> EtcdDecisionStore::flusher() {
  std::chrono::milliseconds backoff{100};
  while (!finished_.empty()) {
    if (!closing_ && finished_.size() < options_.max_batch) {
      flusher_wake_.expires_after(options_.finished_delay);
      boost::system::error_code ignored;  // cancelled by close(): flush at once
      co_await flusher_wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    std::vector<std::string> keys;
    while (!finished_.empty() && keys.size() < options_.max_batch) {
      keys.push_back(std::move(finished_.front()));
      finished_.pop_front();
    }
    TxnRequest t;
    for (const auto& k : keys)
      t.success.push_back(del(k));
    TxnOutcome outcome =
        co_await try_txn(client_, std::move(t), Client::after(options_.write_timeout));
    if (std::holds_alternative<TxnResult>(outcome)) {
      stats_.finished_deleted += keys.size();
      backoff = std::chrono::milliseconds(100);
    } else {
      // A delete is idempotent: put them back and try again later. When closing, give up:
      // the next start's recovery replays these decisions once more.
      if (closing_) break;
      ++stats_.finished_retries;
      for (auto it = keys.rbegin(); it != keys.rend(); ++it)
        finished_.push_front(std::move(*it));
      co_await nap(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
    }
  }
  flusher_running_ = false;
  flusher_exited_->notify();
}

asio::awaitable<DecisionState> EtcdDecisionStore::load() {
  DecisionState state;
  state.set_epoch(epoch_);
  const std::string prefix = layout_.decisions(registration_.node_id());
  RangeOp op = get_prefix(prefix);
  op.limit = options_.load_page;
  std::vector<KeyValue> stale_markers;
  while (true) {
    RangeResult page = co_await client_.range(op);
    // Every page from the first page's revision: one consistent snapshot.
    if (op.revision == 0) op.revision = page.revision;
    for (const KeyValue& kv : page.kvs) {
      auto stored = decode_stored(kv.value);
      if (!stored)
        throw std::runtime_error("etcd key " + kv.key + " holds no decision xacoord wrote");
      if (auto* d = std::get_if<CommitDecision>(&*stored)) {
        state.apply(*d);
      } else if (auto* h = std::get_if<HeuristicRecord>(&*stored)) {
        state.apply(*h);
      } else if (std::get<AbortedMarker>(*stored).registration != registration_.revision()) {
        stale_markers.push_back(kv);
      }
    }
    if (!page.more || page.kvs.empty()) break;
    op.key = page.kvs.back().key + std::string(1, '\0');
  }
  co_await clear_markers(std::move(stale_markers));
  co_return state;
}

asio::awaitable<void> EtcdDecisionStore::clear_markers(std::vector<KeyValue> markers) {
  // A marker of an earlier registration has done its work: the write it fenced off
  // compares that registration, which is gone for good. Each delete is guarded by the
  // marker's revision; a batch that fails is left for the next start.
  for (std::size_t i = 0; i < markers.size();) {
    TxnRequest t;
    t.compare.push_back(registration_.owned());
    std::size_t end = std::min(markers.size(), i + options_.max_batch);
    for (std::size_t j = i; j < end; ++j) {
      t.compare.push_back(Compare::modified_at(markers[j].key, markers[j].mod_revision));
      t.success.push_back(del(markers[j].key));
    }
    // A batch that fails is left for the next start; markers cost a key each, nothing else.
    TxnOutcome outcome =
        co_await try_txn(client_, std::move(t), Client::after(options_.write_timeout));
    if (auto* r = std::get_if<TxnResult>(&outcome); r && r->succeeded) {
      stats_.markers_cleared += end - i;
    }
    i = end;
  }
}

asio::awaitable<void> EtcdDecisionStore::close() {
  closing_ = true;
  if (writers_ > 0) {
    writers_idle_ = std::make_unique<Signal>(executor_);
    co_await writers_idle_->wait();
  }
  if (flusher_running_) {
    flusher_wake_.cancel();
    co_await flusher_exited_->wait();
  } else if (!finished_.empty()) {
    flusher_running_ = true;
    flusher_exited_ = std::make_unique<Signal>(executor_);
    co_await flusher();
  }
}

}  // namespace xacoord::etcd
