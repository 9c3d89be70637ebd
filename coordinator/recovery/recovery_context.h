// What every part of recovery shares: the participants as recovery sees them, the options,
// and the coordinator's table, store, metrics and clock.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "common/clock.h"
#include "coordinator/engine/transaction_table.h"
#include "coordinator/observability/coordinator_metrics.h"
#include "coordinator/store/decision_store.h"
#include "participants/pool.h"
#include "participants/session.h"

namespace xacoord {

struct RecoveryOptions {
  std::string node_id = "1";
  // This run's token (participants/server_session.h): sessions registered under this node
  // with another run's token belong to an earlier run.
  std::string run = "test";
  std::chrono::milliseconds first_backoff{100};
  std::chrono::milliseconds max_backoff{10'000};
  std::chrono::milliseconds orphan_grace{30'000};
  std::chrono::milliseconds stuck_after{60'000};
  // Whether this coordinator may finish branches right now (its node's fence is
  // confirmed: coordinator/recovery/node_fence.h).
  std::function<bool()> may_decide = [] { return true; };
};

// One participant as recovery sees it: its pool (name, and the factory of its sessions)
// and recovery's own session on it. Batches on that session run one at a time, so the
// retry loop, start-up, the orphan scan and forced decisions can share it.
struct RecoveryParticipant {
  std::string name;
  db::Pool* pool = nullptr;
  std::unique_ptr<db::Session> session;
};

struct RecoveryContext {
  boost::asio::any_io_executor executor;
  std::map<std::string, RecoveryParticipant> participants;
  TransactionTable& table;
  DecisionStore& store;
  CoordinatorMetrics& metrics;
  Clock& clock;
  RecoveryOptions options;
  // Start-up recovery has finished: until then an operator's forced decision is refused
  // (it could be countermanded by start-up's presumed abort; docs/model.md).
  bool ready = false;
  // The transaction an operator's forced decision is working on, from its first wait to
  // its adoption: the orphan scan leaves it alone, and a second force is refused.
  std::optional<std::string> forcing;

  RecoveryParticipant* participant(const std::string& name) {
    auto it = participants.find(name);
    return it == participants.end() ? nullptr : &it->second;
  }
};

// Up to 20% jitter, so many branches retried together do not stampede a server that
// just came back.
std::chrono::milliseconds jittered(std::chrono::milliseconds d);

}  // namespace xacoord
