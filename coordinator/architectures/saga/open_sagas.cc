#include "coordinator/architectures/saga/open_sagas.h"

#include <algorithm>

#include <boost/asio/this_coro.hpp>

namespace xacoord::saga {

namespace asio = boost::asio;

void OpenSagas::add(std::shared_ptr<Saga> saga) {
  ids_.insert(saga->id);
  by_order_.emplace(std::make_pair(saga->order_id, saga->kind), std::move(saga));
}

std::shared_ptr<Saga> OpenSagas::find(std::int64_t order_id, Kind kind) const {
  auto it = by_order_.find(std::make_pair(order_id, kind));
  return it == by_order_.end() ? nullptr : it->second;
}

bool OpenSagas::knows(const std::string& saga_id) const {
  return ids_.contains(saga_id) || recent_ids_.contains(saga_id);
}

void OpenSagas::finish(const std::shared_ptr<Saga>& saga) {
  auto [first, last] = by_order_.equal_range(std::make_pair(saga->order_id, saga->kind));
  for (auto it = first; it != last; ++it) {
    if (it->second == saga) {
      by_order_.erase(it);
      break;
    }
  }
  if (ids_.erase(saga->id) > 0) {
    recent_.push_back(saga->id);
    recent_ids_.insert(saga->id);
    if (recent_.size() > kRemembered) {
      recent_ids_.erase(recent_.front());
      recent_.pop_front();
    }
  }
  // Cancelling runs each waiter's completion later, on the executor: never in here.
  for (Timer* waiter : std::exchange(saga->waiters, {}))
    waiter->cancel();
}

asio::awaitable<bool> OpenSagas::wait(std::shared_ptr<Saga> saga, SteadyTime until) {
  if (finished(saga->phase) && !ids_.contains(saga->id)) co_return true;
  auto executor = co_await asio::this_coro::executor;
  std::unique_ptr<Timer> timer = clock_.make_timer(executor);
  saga->waiters.push_back(timer.get());
  bool timed_out = co_await wait_until(*timer, until);
  auto& waiters = saga->waiters;
  waiters.erase(std::remove(waiters.begin(), waiters.end(), timer.get()), waiters.end());
  co_return !timed_out;
}

}  // namespace xacoord::saga
