// What a restarted coordinator reads before it resumes its sagas (docs/architectures/saga.md,
// "Recovery"): first it kills the sessions its dead predecessor left running in a server
// (a charge waiting for an account row would otherwise commit after the log was listed),
// then it lists every open saga of its node in both logs.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "coordinator/architectures/saga/saga_log_sql.h"
#include "participants/pool.h"

namespace xacoord::saga {

class SagaRecovery {
 public:
  struct Options {
    std::string node_id = "1";
    std::chrono::milliseconds first_backoff{100};
    std::chrono::milliseconds max_backoff{10'000};
    std::chrono::milliseconds deadline{10'000};
  };

  SagaRecovery(db::Pool& orders, db::Pool& payments, Clock& clock, Options options)
      : orders_(orders), payments_(payments), clock_(clock), options_(std::move(options)) {}

  // Kills the sessions of this node's earlier runs on both servers (found by the session
  // marker their statements start with), then lists the open sagas; retries with backoff
  // until both servers answered, or `stopped` is set.
  boost::asio::awaitable<std::vector<log_sql::Row>> fence_and_list(const bool& stopped);
  // One listing of both logs (the background scan for orphans); throws on failure.
  boost::asio::awaitable<std::vector<log_sql::Row>> list_open();

 private:
  boost::asio::awaitable<std::size_t> kill_earlier_sessions(db::Pool& pool);
  boost::asio::awaitable<void> list_kind(Kind kind, std::vector<log_sql::Row>& out);
  SteadyTime deadline() const { return clock_.now() + options_.deadline; }

  static constexpr int kPage = 500;

  db::Pool& orders_;
  db::Pool& payments_;
  Clock& clock_;
  Options options_;
};

}  // namespace xacoord::saga
