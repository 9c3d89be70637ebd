#include "participants/lane.h"

namespace xacoord::db {

Lane::Lane(std::string participant, Endpoint endpoint, Timeouts timeouts, std::size_t index,
           std::optional<SessionOwner> owner)
    : participant_(std::move(participant)),
      endpoint_(std::move(endpoint)),
      timeouts_(timeouts),
      index_(index),
      owner_(std::move(owner)),
      thread_([this] { loop(); }) {}

ServerSession Lane::identity() const {
  std::lock_guard lock(identity_mutex_);
  return identity_;
}

ServerSession Lane::last_identity() const {
  std::lock_guard lock(identity_mutex_);
  return last_identity_;
}

Lane::~Lane() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Lane::post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
}

Connection& Lane::connection() {
  if (!connection_) {
    try {
      connection_ = Connection::open(endpoint_, timeouts_, owner_);
    } catch (const DbError& e) {
      throw DbError::opening_session_failed(e);
    }
    session_id_.store(connection_->connection_id(), std::memory_order_release);
    std::lock_guard lock(identity_mutex_);
    identity_ = connection_->identity();
    last_identity_ = identity_;
  }
  return *connection_;
}

void Lane::drop_connection() {
  session_id_.store(0, std::memory_order_release);
  {
    std::lock_guard lock(identity_mutex_);
    identity_ = ServerSession{};
  }
  connection_.reset();
}

void Lane::loop() {
  thread_init();
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping, and nothing left to run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
  connection_.reset();
  thread_end();
}

namespace detail {

std::exception_ptr run_guarded(Lane& lane, const std::function<void(Connection&)>& work) {
  try {
    work(lane.connection());
    return nullptr;
  } catch (const DbError& e) {
    if (e.connection_unusable()) lane.drop_connection();
    return std::current_exception();
  } catch (...) {
    return std::current_exception();
  }
}

}  // namespace detail
}  // namespace xacoord::db
