// Closes the log rows of finished sagas whose last step committed on the other database
// (a pay's CHARGED -> PAID in xa_payments, a cancel's REFUND_DUE -> REFUNDED in xa_orders),
// many at a time, off the request's path. Losing a close (a crash, a full queue) costs
// nothing but time: the row looks open, recovery drives the saga again, every step finds
// itself already applied, and the row is closed then (docs/architectures/saga.md).
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/clock.h"
#include "coordinator/architectures/saga/saga.h"
#include "participants/pool.h"

namespace xacoord::saga {

class LogCloser {
 public:
  struct Options {
    std::chrono::milliseconds interval{10};
    std::chrono::milliseconds max_backoff{10'000};
    std::chrono::milliseconds deadline{10'000};
  };

  LogCloser(db::Pool& orders, db::Pool& payments, Clock& clock, Options options)
      : orders_(orders), payments_(payments), clock_(clock), options_(options) {}

  // Queues the close of a finished saga's row.
  void close(Kind kind, const std::string& saga_id);
  // Rows queued or being closed.
  std::size_t pending() const { return ids_.size(); }
  bool pending_for(const std::string& saga_id) const { return ids_.contains(saga_id); }

  // Closes what is queued every interval, until stop(); backs off while a database fails.
  boost::asio::awaitable<void> run();
  void stop() { stopped_ = true; }

 private:
  static constexpr std::size_t kBatch = 500;          // ids per UPDATE
  static constexpr std::size_t kMaxQueued = 100'000;  // beyond: dropped (see above)

  // One UPDATE for up to kBatch queued rows of `kind`; false if the database failed.
  boost::asio::awaitable<bool> flush(Kind kind, std::vector<std::string>& queue);

  db::Pool& orders_;
  db::Pool& payments_;
  Clock& clock_;
  Options options_;
  std::vector<std::string> pays_;
  std::vector<std::string> cancels_;
  std::set<std::string> ids_;
  bool stopped_ = false;
  bool dropped_logged_ = false;
};

}  // namespace xacoord::saga
