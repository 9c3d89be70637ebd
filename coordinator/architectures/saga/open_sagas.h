// The sagas of this coordinator that are not finished, by order: the request path and
// recovery put them here, and requests wait here for the one on their order. A second pay
// of an order waits for the first pay's saga (a retry with the same Idempotency-Key then
// gets its outcome instead of charging again); a cancel waits for an earlier cancel's
// refund; a cancel never waits for a pay — that race is the saga's to settle
// (docs/architectures/saga.md, "What a user sees").
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "common/clock.h"
#include "coordinator/architectures/saga/saga.h"

namespace xacoord::saga {

class OpenSagas {
 public:
  explicit OpenSagas(Clock& clock) : clock_(clock) {}

  void add(std::shared_ptr<Saga> saga);
  // An open saga of `kind` on the order (any, if several), or null.
  std::shared_ptr<Saga> find(std::int64_t order_id, Kind kind) const;
  // Open, or finished recently (so a scan that read its log row before it closed does not
  // pick it up again).
  bool knows(const std::string& saga_id) const;
  // Removes a finished saga and wakes whoever waits for it.
  void finish(const std::shared_ptr<Saga>& saga);
  // Until `saga` is finished or `until` comes; true if it finished.
  boost::asio::awaitable<bool> wait(std::shared_ptr<Saga> saga, SteadyTime until);

  std::size_t size() const { return ids_.size(); }

 private:
  static constexpr std::size_t kRemembered = 4096;

  Clock& clock_;
  std::multimap<std::pair<std::int64_t, Kind>, std::shared_ptr<Saga>> by_order_;
  std::set<std::string> ids_;
  std::deque<std::string> recent_;  // finished, oldest first, at most kRemembered
  std::set<std::string> recent_ids_;
};

}  // namespace xacoord::saga
