#include "tools/bench/branch_thread.h"

#include "common/check.h"
#include "participants/connection.h"

namespace xacoord::bench {

BranchThread::BranchThread() : thread_([this] { loop(); }) {}

BranchThread::~BranchThread() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void BranchThread::start(std::function<void()> work) {
  {
    std::lock_guard lock(mutex_);
    XA_CHECK(!busy_, "a branch thread was given work before its last work was waited for");
    work_ = std::move(work);
    error_ = nullptr;
    busy_ = true;
  }
  wake_.notify_all();
}

void BranchThread::wait() {
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [this] { return !work_ && !busy_; });
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void BranchThread::loop() {
  db::thread_init();  // Connector/C++ keeps per-thread state
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || work_; });
    if (!work_) break;
    auto work = std::exchange(work_, nullptr);
    lock.unlock();
    std::exception_ptr error;
    try {
      work();
    } catch (...) {
      error = std::current_exception();  // handed to wait(), which rethrows it
    }
    lock.lock();
    error_ = error;
    busy_ = false;
    wake_.notify_all();
  }
  lock.unlock();
  db::thread_end();
}

}  // namespace xacoord::bench
