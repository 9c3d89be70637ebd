#include "coordinator/recovery/node_takeover.h"

#include "common/crash_points.h"
#include "coordinator/engine/transaction_table.h"
#include "coordinator/observability/event_log.h"
#include "coordinator/recovery/resolver.h"
#include "coordinator/store/etcd/dead_node_decisions.h"

namespace xacoord {

namespace asio = boost::asio;
using std::chrono::milliseconds;

struct NodeTakeover::Finished {
  std::unique_ptr<etcd::DeadNodeDecisions> store;
  std::unique_ptr<TransactionTable> table;
  std::unique_ptr<Resolver> resolver;
};

NodeTakeover::NodeTakeover(asio::any_io_executor executor, std::vector<db::Pool*> participants,
                           CoordinatorMetrics& metrics, Clock& clock, etcd::Client& client,
                           const etcd::NodeRegistration& self, Options options)
    : executor_(std::move(executor)),
      participants_(std::move(participants)),
      metrics_(metrics),
      clock_(clock),
      client_(client),
      claims_(client, self),
      options_(std::move(options)) {}

NodeTakeover::~NodeTakeover() = default;

asio::awaitable<void> NodeTakeover::run() {
  while (!stopped_) {
    co_await sleep_for(clock_, options_.poll_interval);
    if (stopped_ || !options_.may_decide()) continue;
    std::vector<etcd::DeadNode> dead;
    try {
      dead = co_await claims_.dead_nodes();
    } catch (const etcd::EtcdError&) {
      continue;  // etcd unreachable: this node cannot decide either; look again later
    }
    for (const etcd::DeadNode& node : dead) {
      if (stopped_) break;
      std::optional<etcd::TakeoverClaim> claim;
      try {
        claim = co_await claims_.claim(node);
      } catch (const etcd::EtcdError& e) {
        log_event("takeover_claim_failed", {{"node_id", node.node_id}, {"error", e.what()}});
      }
      if (!claim) continue;  // another node won it, or the node lives again
      co_await take_over(std::move(*claim));
    }
  }
}

asio::awaitable<void> NodeTakeover::take_over(etcd::TakeoverClaim claim) {
  busy_ = true;
  const auto began = clock_.now();
  log_event("takeover_started",
            {{"node_id", claim.node_id}, {"epoch", claim.epoch}, {"by", claims_.self().node_id()}});
  crash_point(CrashPoint::kTakeoverClaimed);
  auto work = std::make_unique<Finished>();
  work->store = std::make_unique<etcd::DeadNodeDecisions>(client_, claims_.self().layout(), claim);
  work->table = std::make_unique<TransactionTable>(*work->store, metrics_, clock_, 1'000);
  work->table->set_node_id(claim.node_id);
  RecoveryOptions recovery;
  recovery.node_id = claim.node_id;
  // Not a run of the dead node: every session registered under its id is one to end.
  recovery.run = "takeover-by-" + claims_.self().node_id() + "-" + options_.run;
  recovery.max_backoff = options_.max_backoff;
  recovery.may_decide = options_.may_decide;
  work->resolver = std::make_unique<Resolver>(executor_, participants_, *work->table, *work->store,
                                              metrics_, clock_, recovery);
  co_await work->resolver->recover_at_startup();
  crash_point(CrashPoint::kTakeoverResolved);
  bool recorded = false;
  std::string error;
  try {
    recorded = co_await claims_.finish(claim);
  } catch (const etcd::EtcdError& e) {
    error = e.what();
  }
  work->resolver->stop();
  const double seconds = std::chrono::duration<double>(clock_.now() - began).count();
  if (recorded) {
    ++finished_;
    log_event("takeover_finished", {{"node_id", claim.node_id},
                                    {"epoch", claim.epoch},
                                    {"by", claims_.self().node_id()},
                                    {"seconds", seconds}});
  } else {
    // Everything found is finished; whoever claims the node next finds nothing to do.
    log_event("takeover_not_recorded",
              {{"node_id", claim.node_id}, {"error", error.empty() ? "claim lost" : error}});
    co_await claims_.drop(claim);
  }
  done_.push_back(std::move(work));
  while (done_.size() > 4 && done_.front()->store->deletes_pending() == 0)
    done_.pop_front();
  busy_ = false;
}

}  // namespace xacoord
