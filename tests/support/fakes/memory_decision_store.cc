#include "tests/support/fakes/memory_decision_store.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace xacoord::test {

namespace asio = boost::asio;

DecisionState MemoryDisk::state() const {
  DecisionState s;
  for (const auto& r : durable)
    s.apply(r);
  return s;
}

MemoryDecisionStore::MemoryDecisionStore(MemoryDisk& disk, std::shared_ptr<FakeProcess> process)
    : disk_(disk), process_(std::move(process)), epoch_(++disk.epoch) {}

asio::awaitable<bool> MemoryDecisionStore::append(LogRecord record, bool wait) {
  auto executor = co_await asio::this_coro::executor;
  co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
      [&](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        std::function<void()> done = [shared, executor] {
          asio::post(executor, [shared] { std::move (*shared)(); });
        };
        if (process_->dead) {
          process_->parked.push_back(std::move(done));  // a dead process's fsync never returns
          return;
        }
        if (!holding_ || !wait) {
          disk_.durable.push_back(std::move(record));
          done();
          return;
        }
        queue_.emplace_back(std::move(record), std::move(done));
      },
      asio::use_awaitable);
  co_return true;
}

asio::awaitable<bool> MemoryDecisionStore::record_commit(CommitDecision decision) {
  if (refuse_) co_return false;
  co_return co_await append(std::move(decision), true);
}

asio::awaitable<bool> MemoryDecisionStore::record_heuristic(HeuristicRecord record) {
  if (refuse_) co_return false;
  co_return co_await append(std::move(record), true);
}

void MemoryDecisionStore::record_finished(std::string txn_id) {
  if (process_->dead) return;
  ++finished_;
  disk_.durable.push_back(FinishedRecord{std::move(txn_id)});
}

asio::awaitable<DecisionState> MemoryDecisionStore::load() {
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  co_return disk_.state();
}

void MemoryDecisionStore::crash() {
  for (auto& [record, done] : queue_)
    process_->parked.push_back(std::move(done));
  queue_.clear();
}

void MemoryDecisionStore::make_durable() {
  while (!queue_.empty()) {
    auto [record, done] = std::move(queue_.front());
    queue_.pop_front();
    disk_.durable.push_back(std::move(record));
    done();
  }
}

}  // namespace xacoord::test
