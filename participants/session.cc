#include "participants/session.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace xacoord::db {

namespace asio = boost::asio;

asio::awaitable<void> execute(Session& session, std::string statement) {
  std::vector<std::string> one;
  one.push_back(std::move(statement));
  co_await session.batch(std::move(one));
}

asio::awaitable<Rows> query(Session& session, std::string statement) {
  std::vector<std::string> one;
  one.push_back(std::move(statement));
  Results results = co_await session.batch(std::move(one));
  co_return results.empty() || !results[0] ? Rows{} : std::move(*results[0]);
}

namespace {

struct Join {
  std::vector<std::exception_ptr> errors;
  std::size_t remaining = 0;
  std::function<void(std::size_t, std::exception_ptr)> on_done;
  std::function<void()> wake;  // resumes the awaiting coroutine
  asio::any_io_executor executor;
};

// The awaiting coroutine holds `join`, and `join->wake` holds that coroutine: the last job
// to end breaks the cycle by waking it. A job destroyed before it ends (its process crashed
// in a test, or its io_context is being torn down) can never do that, so it drops `wake`,
// which lets the awaiting coroutine be destroyed too; otherwise each would keep the other
// alive (a leak the ASan + UBSan suite found; docs/reliability.md).
struct ReleaseUnlessEnded {
  Join& join;
  bool ended = false;
  ~ReleaseUnlessEnded() {
    if (!ended) join.wake = {};
  }
};

asio::awaitable<void> run_one(std::shared_ptr<Join> join, std::size_t i, SessionJob job) {
  // A local: destroyed before the frame's copy of `join`, which it refers to.
  ReleaseUnlessEnded guard{*join};
  std::exception_ptr error;
  try {
    co_await job.session->batch(std::move(job.statements));
  } catch (...) {
    error = std::current_exception();
  }
  join->errors[i] = error;
  if (join->on_done) join->on_done(i, error);
  // Resumed through the executor, never from inside this frame.
  guard.ended = true;
  if (--join->remaining == 0) asio::post(join->executor, std::exchange(join->wake, {}));
}

}  // namespace

asio::awaitable<std::vector<std::exception_ptr>> run_parallel(
    std::vector<SessionJob> jobs, std::function<void(std::size_t, std::exception_ptr)> on_done) {
  auto join = std::make_shared<Join>();
  join->errors.resize(jobs.size());
  join->remaining = jobs.size();
  join->on_done = std::move(on_done);
  if (jobs.empty()) co_return std::move(join->errors);
  auto executor = co_await asio::this_coro::executor;
  join->executor = executor;
  co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
      [&](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        join->wake = [shared] { std::move (*shared)(); };
        for (std::size_t i = 0; i < jobs.size(); ++i)
          asio::co_spawn(executor, run_one(join, i, std::move(jobs[i])), asio::detached);
      },
      asio::use_awaitable);
  co_return std::move(join->errors);
}

}  // namespace xacoord::db
