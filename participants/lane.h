// A lane: one database session with its own worker thread.
//
// Connector/C++ calls block, so they never run on io_context threads. A lane queues work
// for its thread, runs it against its session, and posts the result back to the executor
// of whoever awaits it. One lane carries at most one XA branch at a time: on MariaDB a
// session that holds a prepared branch can start nothing else, and only that session can
// finish the branch while it stays connected.
#pragma once

#include <utility>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "participants/connection.h"
#include "participants/db_error.h"
#include "participants/endpoint.h"
#include "participants/server_session.h"

namespace xacoord::db {

class Lane {
 public:
  // `owner`: the coordinator node (and run) whose session this is; it is registered on its server
  // (participants/server_session.h). Empty for tools.
  Lane(std::string participant, Endpoint endpoint, Timeouts timeouts, std::size_t index,
       std::optional<SessionOwner> owner = {});
  ~Lane();  // runs what is queued, closes the session, joins the thread

  Lane(const Lane&) = delete;
  Lane& operator=(const Lane&) = delete;

  // Queues `task` for the lane's thread. Tasks run one at a time, in order.
  void post(std::function<void()> task);

  // Lane thread only: the session, opened on first use or after a drop. Throws DbError;
  // when the session cannot be opened, one whose no_session() is true.
  Connection& connection();
  // Lane thread only: closes the session. The server then rolls back an unprepared branch
  // and lets another session finish a prepared one.
  void drop_connection();

  const std::string& participant() const { return participant_; }
  std::size_t index() const { return index_; }
  // The server's id of the lane's current session, 0 while it has none. Any thread.
  std::int64_t session_id() const { return session_id_.load(std::memory_order_acquire); }
  // Its id and client address on the server (empty while it has none). Any thread.
  ServerSession identity() const;
  // The current session's, or the last one's after it was dropped. Any thread.
  ServerSession last_identity() const;

 private:
  void loop();

  const std::string participant_;
  const Endpoint endpoint_;
  const Timeouts timeouts_;
  const std::size_t index_;
  const std::optional<SessionOwner> owner_;
  std::unique_ptr<Connection> connection_;  // lane thread only
  std::atomic<std::int64_t> session_id_{0};
  mutable std::mutex identity_mutex_;
  ServerSession identity_;       // guarded by identity_mutex_
  ServerSession last_identity_;  // guarded by identity_mutex_

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

// One piece of work for run_parallel: `work` runs on `lane` with its session.
struct LaneJob {
  Lane* lane;
  std::function<void(Connection&)> work;
};

namespace detail {

// Runs `work` on the lane and converts its outcome into an exception_ptr. A DbError that
// leaves the session unusable (lost, timed out) closes it, so the next user reconnects.
std::exception_ptr run_guarded(Lane& lane, const std::function<void(Connection&)>& work);

template <typename Handler>
struct ParallelState {
  Handler handler;
  std::vector<std::exception_ptr> errors;
  std::size_t remaining;
  std::function<void(std::size_t, std::exception_ptr)> on_done;
};

}  // namespace detail

// Starts every job at once, each on its own lane, and completes, on the awaiting
// coroutine's executor, when all have ended, with each job's error (null if it succeeded).
// `on_done(i, error)` runs on that executor as each job ends, in the order they end.
template <typename CompletionToken = boost::asio::use_awaitable_t<>>
auto run_parallel(std::vector<LaneJob> jobs,
                  std::function<void(std::size_t, std::exception_ptr)> on_done = {},
                  CompletionToken&& token = {}) {
  return boost::asio::async_initiate<CompletionToken, void(std::vector<std::exception_ptr>)>(
      [](auto handler, std::vector<LaneJob> jobs,
         std::function<void(std::size_t, std::exception_ptr)> on_done) {
        using Handler = decltype(handler);
        auto executor = boost::asio::get_associated_executor(handler);
        auto state =
            std::make_shared<detail::ParallelState<Handler>>(detail::ParallelState<Handler>{
                std::move(handler), std::vector<std::exception_ptr>(jobs.size()), jobs.size(),
                std::move(on_done)});
        if (jobs.empty()) {
          boost::asio::post(executor,
                            [state] { std::move(state->handler)(std::move(state->errors)); });
          return;
        }
        for (std::size_t i = 0; i < jobs.size(); ++i) {
          Lane* lane = jobs[i].lane;
          lane->post([state, executor, i, lane, work = std::move(jobs[i].work)] {
            auto error = detail::run_guarded(*lane, work);
            boost::asio::post(executor, [state, i, error] {
              state->errors[i] = error;
              if (state->on_done) state->on_done(i, error);
              if (--state->remaining == 0) std::move(state->handler)(std::move(state->errors));
            });
          });
        }
      },
      token, std::move(jobs), std::move(on_done));
}

// Runs `fn(Connection&)` on `lane` and returns its result, or rethrows its exception.
template <typename Fn>
auto run_on(Lane& lane, Fn fn) -> boost::asio::awaitable<std::invoke_result_t<Fn&, Connection&>> {
  using R = std::invoke_result_t<Fn&, Connection&>;
  // Built step by step: g++ 12 miscompiles braced lists inside co_await expressions.
  std::vector<LaneJob> jobs;
  if constexpr (std::is_void_v<R>) {
    jobs.push_back(LaneJob{&lane, [&fn](Connection& c) { fn(c); }});
    auto errors = co_await run_parallel(std::move(jobs));
    if (errors[0]) std::rethrow_exception(errors[0]);
  } else {
    std::optional<R> result;
    jobs.push_back(LaneJob{&lane, [&fn, &result](Connection& c) { result.emplace(fn(c)); }});
    auto errors = co_await run_parallel(std::move(jobs));
    if (errors[0]) std::rethrow_exception(errors[0]);
    co_return std::move(*result);
  }
}

}  // namespace xacoord::db
