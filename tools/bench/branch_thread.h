// The second thread of a plain benchmark client: it runs one branch of a pay while the
// client's own thread runs the other, so the two branches travel in parallel the way a
// coordinator sends them. Connector/C++ blocks, so a plain client needs a thread per
// branch in flight; one hand-off there and back per phase is the least such a client pays.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace xacoord::bench {

class BranchThread {
 public:
  BranchThread();
  ~BranchThread();
  BranchThread(const BranchThread&) = delete;
  BranchThread& operator=(const BranchThread&) = delete;

  // Starts `work` on the thread; one at a time (wait() before the next start()).
  void start(std::function<void()> work);
  // Waits for the work started last; rethrows what it threw.
  void wait();

 private:
  void loop();
  std::mutex mutex_;
  std::condition_variable wake_;
  std::function<void()> work_;  // guarded by mutex_
  bool busy_ = false;           // guarded by mutex_
  bool stopping_ = false;       // guarded by mutex_
  std::exception_ptr error_;    // guarded by mutex_
  std::thread thread_;
};

}  // namespace xacoord::bench
