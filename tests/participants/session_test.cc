// run_parallel (participants/session.h) through the Session seam, with sessions that stand
// for a real one in the two ways a job can end: it answers, or it never does and is
// destroyed unrun (its process crashed, its io_context is going away).
#include "participants/session.h"

#include <memory>
#include <optional>

#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

namespace xacoord::db {
namespace {

namespace asio = boost::asio;

// Answers every batch at once, or parks it: the parked completion is held here until the
// test drops it, as a dead process's I/O would be.
class ScriptedSession final : public Session {
 public:
  explicit ScriptedSession(bool answers) : answers_(answers) {}
  asio::awaitable<Results> batch(std::vector<std::string>) override {
    if (answers_) co_return Results{};
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
        [this](auto handler) { parked_ = std::make_shared<decltype(handler)>(std::move(handler)); },
        asio::use_awaitable);
    co_return Results{};
  }
  void close() override {}
  ServerSession server_session() const override { return {}; }
  ServerSession last_server_session() const override { return {}; }
  const std::string& label() const override { return label_; }
  bool parked() const { return parked_ != nullptr; }
  // Destroys the parked completion unrun, and the coroutine that waits on it.
  void drop_parked() { parked_.reset(); }

 private:
  bool answers_;
  std::shared_ptr<void> parked_;  // the completion handler, of whatever type
  std::string label_ = "test/scripted";
};

// Runs what is ready until nothing is; never blocks (a parked job is no work to wait for).
void drain(asio::io_context& io) {
  io.restart();
  while (io.poll() > 0) {
  }
}

// A free function, not a lambda: its parameters live in the coroutine's frame.
asio::awaitable<void> await_both(Session& a, Session& b, std::shared_ptr<int> keep,
                                 std::optional<std::size_t>& count) {
  std::vector<SessionJob> jobs;
  jobs.push_back({&a, {"SELECT 1"}});
  jobs.push_back({&b, {"SELECT 1"}});
  auto errors = co_await run_parallel(std::move(jobs));
  count = errors.size();
}

TEST(RunParallelTest, EveryJobsErrorSlotIsFilledWhenAllAnswer) {
  asio::io_context io;
  ScriptedSession a(true), b(true);
  std::optional<std::size_t> count;
  asio::co_spawn(io, await_both(a, b, nullptr, count), asio::detached);
  drain(io);
  ASSERT_TRUE(count.has_value()) << "run_parallel never completed";
  EXPECT_EQ(*count, 2u);
}

// The awaiting coroutine and run_parallel's shared state refer to each other until the last
// job wakes the coroutine. A job destroyed unrun must let both go; before the fix they kept
// each other alive for ever (LeakSanitizer's report from the fake world's crash tests).
TEST(RunParallelTest, AJobDestroyedUnrunLetsTheAwaitingCoroutineGo) {
  asio::io_context io;
  ScriptedSession answers(true), never(false);
  auto owned = std::make_shared<int>(0);
  std::weak_ptr<int> alive = owned;
  std::optional<std::size_t> count;
  asio::co_spawn(io, await_both(answers, never, std::move(owned), count), asio::detached);
  drain(io);
  ASSERT_TRUE(never.parked()) << "the second job should be waiting for its answer";
  ASSERT_FALSE(alive.expired());

  never.drop_parked();
  drain(io);  // the coroutines' frames are destroyed through their executor
  EXPECT_FALSE(count.has_value()) << "a job that never answered must not complete the wait";
  EXPECT_TRUE(alive.expired()) << "the awaiting coroutine outlived every job that could wake it";
}

}  // namespace
}  // namespace xacoord::db
