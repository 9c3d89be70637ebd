// The decisions in etcd (docs/scale-out.md, "Decisions in etcd"): the DecisionStore of
// several coordinators that share the databases, so a live one can finish a dead one's
// transactions.
//
//  - record_commit is a transaction: put-if-absent on <root>/decisions/<node>/<txn id>,
//    guarded by the node's registration (NodeRegistration::owned()). Decisions queued
//    while a transaction is out go together in the next one (up to max_batch), as the
//    file log shares fsyncs: one etcd round trip, one raft entry, for many decisions.
//  - true only once etcd has committed the decision. false when it certainly was not
//    and never will be written (etcd refused it, the registration is gone, or no member
//    could be reached before the write was sent).
//  - An answer lost mid-call (a member died) is settled before answering: the same
//    put-if-absent goes again, through another member, until an answer says what the key
//    holds — this decision (true: whichever copy landed, it landed once), or an aborted
//    marker (false). So killing one member fails no decision. If it cannot be settled
//    (the registration is gone and the key absent: a takeover may have finished it; or no
//    member answers within settle_timeout), record_commit throws DecisionUnsettled: the
//    outcome is not this coordinator's to tell, so it must leave the branches prepared
//    and answer "unknown" (503); whoever resolves the node's branches later reads etcd.
//  - abort_if_undecided puts an aborted marker where no decision is: after it, no lost
//    write can land, so rolling back is safe (recovery of an unsettled transaction).
//  - record_finished deletes the key in the background (batched, retried, bounded).
//
// Not thread-safe: one io_context thread, like the Client it uses.
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "coordinator/store/decision_store.h"
#include "coordinator/store/etcd/decision_keys.h"
#include "coordinator/store/etcd/etcd_client.h"
#include "coordinator/store/etcd/node_registration.h"
#include "coordinator/store/etcd/signal.h"

namespace xacoord::etcd {

// Neither recorded nor refused, as far as this coordinator can tell.
class DecisionUnsettled : public DecisionOutcomeUnknown {
 public:
  using DecisionOutcomeUnknown::DecisionOutcomeUnknown;
};

struct EtcdStoreOptions {
  // Decisions per transaction. Each costs a compare and a put; etcd refuses transactions
  // with more than --max-txn-ops (default 128) of either, and one compare is the
  // registration's.
  std::size_t max_batch = 100;
  // Transactions out at once. 1 is the file log's group commit; more overlap the round
  // trips at the price of smaller batches (bench/store measures both).
  std::size_t max_in_flight = 1;
  std::chrono::milliseconds write_timeout{3000};  // one batch's deadline
  // Settling one lost answer (or abort_if_undecided, record_heuristic): long enough for
  // an etcd leader election and a member restart.
  std::chrono::milliseconds settle_timeout{15000};
  // A finished key waits this long for others to be deleted with it.
  std::chrono::milliseconds finished_delay{20};
  std::size_t finished_queue_limit = 100000;  // beyond it FINISHED deletes are dropped
  std::int64_t load_page = 1000;              // keys per read in load()
};

struct EtcdStoreStats {
  std::uint64_t batches = 0;  // commit transactions sent
  std::uint64_t batched = 0;  // decisions in them
  std::uint64_t largest_batch = 0;
  std::uint64_t committed = 0;          // record_commit answered true
  std::uint64_t refused = 0;            // answered false
  std::uint64_t ambiguous = 0;          // batches whose answer was lost
  std::uint64_t settled_committed = 0;  // after a lost answer: the decision is there
  std::uint64_t settled_aborted = 0;    // after a lost answer: an aborted marker is there
  std::uint64_t unsettled = 0;          // DecisionUnsettled thrown
  std::uint64_t finished_deleted = 0;
  std::uint64_t finished_dropped = 0;  // the queue was full
  std::uint64_t finished_retries = 0;
  std::uint64_t markers_cleared = 0;  // aborted markers of earlier runs, by load()
};

class EtcdDecisionStore final : public DecisionStore {
 public:
  // Starts the store of `registration`'s node: bumps the node's epoch (fenced by the
  // registration). Both `client` and `registration` must outlive the store.
  static boost::asio::awaitable<std::unique_ptr<EtcdDecisionStore>> open(
      Client& client, const NodeRegistration& registration, EtcdStoreOptions options = {});
  ~EtcdDecisionStore() override;

  std::string_view kind() const override { return "etcd"; }
  std::uint64_t epoch() const override { return epoch_; }

  boost::asio::awaitable<bool> record_commit(CommitDecision decision) override;
  boost::asio::awaitable<bool> record_heuristic(HeuristicRecord record) override;
  void record_finished(std::string txn_id) override;
  // true once `txn_id` can never commit: an aborted marker was put (or was there), or a
  // forced rollback is; false if a decision to commit is there. Throws DecisionUnsettled
  // when the registration is gone or etcd stays unreachable, EtcdError if etcd refuses.
  boost::asio::awaitable<bool> abort_if_undecided(std::string txn_id);

  // Every commit decision and operator decision of this node, read linearizably from
  // one revision. Also deletes the aborted markers of earlier registrations (their lost
  // writes are fenced off by now).
  boost::asio::awaitable<DecisionState> load() override;

  // Waits for the writers, tries once more to delete what is finished, stops.
  boost::asio::awaitable<void> close();

  const EtcdStoreStats& stats() const { return stats_; }
  std::size_t finished_queued() const { return finished_.size(); }

 private:
  enum class Outcome { kPending, kTrue, kFalse, kUnsettled };
  struct Waiter {
    explicit Waiter(boost::asio::any_io_executor ex) : done(ex) {}
    Signal done;
    Outcome outcome = Outcome::kPending;
    std::string why;  // for kUnsettled
  };
  struct Pending {
    std::string key;
    std::string value;
    std::shared_ptr<Waiter> waiter;
  };

  EtcdDecisionStore(Client& client, const NodeRegistration& registration, EtcdStoreOptions options,
                    boost::asio::any_io_executor executor);
  boost::asio::awaitable<void> bump_epoch();
  void start_writers();
  boost::asio::awaitable<void> writer();
  // Answers or requeues every entry of `batch` (what is left in it after a throw is
  // the caller's to answer).
  boost::asio::awaitable<void> write_batch(std::vector<Pending>& batch);
  std::string txn_of(const Pending& p) const;
  void finish(Pending& p, Outcome outcome, std::string why = {});
  // The outcome a stored value gives to a commit decision.
  static Outcome outcome_for_commit(const KeyValue& kv);
  bool owned_in(const RangeResult& registration_read) const;
  boost::asio::awaitable<void> flusher();
  boost::asio::awaitable<void> clear_markers(std::vector<KeyValue> markers);

  Client& client_;
  const NodeRegistration& registration_;
  const KeyLayout& layout_;
  EtcdStoreOptions options_;
  boost::asio::any_io_executor executor_;
  std::uint64_t epoch_ = 0;

  std::deque<Pending> queue_;
  std::size_t writers_ = 0;
  std::unique_ptr<Signal> writers_idle_;  // notified when writers_ drops to 0 while closing

  std::deque<std::string> finished_;
  bool flusher_running_ = false;
  boost::asio::steady_timer flusher_wake_;
  std::unique_ptr<Signal> flusher_exited_;
  bool closing_ = false;

  EtcdStoreStats stats_;
};

}  // namespace xacoord::etcd
