// Where commit decisions live: the one thing a coordinator must never lose.
//
// The 2PC engine (coordinator/engine) and recovery (coordinator/recovery) use only this
// interface. Implementations:
//   file   the decision log on the coordinator's own disk (file_decision_store.h over
//          coordinator/log, docs/decision-log.md): the embedded default;
//   etcd   the decisions in an etcd cluster, shared by several coordinators
//          (docs/scale-out.md).
//
// The rules, whatever the store:
//  - record_commit completes true only once the decision is durable (fsynced, or
//    committed by a quorum). No XA COMMIT goes out and no client hears "committed" before.
//  - false means the decision is not and never will be recorded — the store refused it
//    (a node that lost the ownership of its id, a store it cannot reach and whose answer
//    it could settle as "absent"). The transaction is then undecided: roll it back. The
//    file store never answers false: a failed fsync aborts the process (STYLE.md).
//  - record_commit may throw DecisionOutcomeUnknown (never the file store): neither of the
//    above can be told; nothing may be rolled back.
//  - record_finished needs no wait: a lost FINISHED only means recovery commits an
//    already committed branch again, which the servers answer with XAER_NOTA.
//  - load() returns every open decision and operator decision of this node as durable now.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "protocol/decision_state.h"
#include "protocol/log_record.h"

namespace xacoord {

// record_commit could tell neither "recorded" nor "never will be" (a replicated store it
// lost touch with mid-write). The decision may be durable, so the branches must stay
// prepared: whoever resolves them next reads the store (docs/scale-out.md).
class DecisionOutcomeUnknown : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class DecisionStore {
 public:
  virtual ~DecisionStore() = default;

  // "file" or "etcd", for logs and /v1/status.
  virtual std::string_view kind() const = 0;
  // This run's epoch: part of every transaction id, so ids never repeat across restarts.
  virtual std::uint64_t epoch() const = 0;

  virtual boost::asio::awaitable<bool> record_commit(CommitDecision decision) = 0;
  virtual boost::asio::awaitable<bool> record_heuristic(HeuristicRecord record) = 0;
  virtual void record_finished(std::string txn_id) = 0;

  virtual boost::asio::awaitable<DecisionState> load() = 0;
};

}  // namespace xacoord
