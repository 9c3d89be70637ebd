// The decision log: the one thing the coordinator must never lose.
//
// A commit decision counts only once it is durable: appenders queue records, one writer
// thread writes everything queued as one batch with one write() and one fdatasync(), and
// then tells every appender of the batch. Many transactions deciding at once therefore
// share one fsync (group commit). A failed fdatasync is fatal: after it, the kernel may have
// dropped the dirty pages and a retry could report success for data that is gone.
//
// Opening a log recovers it (log_scan.h), then starts a new epoch in a new segment whose
// first record is a checkpoint of everything still open, and removes older segments. The
// writer rotates to a new checkpointed segment whenever the current one passes its size
// limit, so disk use follows the transactions in flight, not the history.
#pragma once

#include <utility>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>

#include "coordinator/log/file_system.h"
#include "protocol/decision_state.h"
#include "protocol/log_record.h"

namespace xacoord::dlog {

// Told about every durable batch (metrics).
class BatchObserver {
 public:
  virtual ~BatchObserver() = default;
  virtual void on_batch(std::size_t records, std::size_t bytes,
                        std::chrono::nanoseconds sync_time) = 0;
};

struct Options {
  std::uint64_t segment_bytes = 4u << 20;
  BatchObserver* observer = nullptr;
  // Called on the writer thread when a write or sync fails. The default logs and aborts
  // the process. Tests may return instead: the log then refuses everything after.
  std::function<void(const std::string& what)> on_fatal;
};

struct LogStats {
  std::uint64_t batches = 0;
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::uint64_t segments_created = 0;
  std::uint64_t current_segment = 0;
  std::uint64_t current_segment_bytes = 0;
};

class DecisionLog {
 public:
  // Recovers the log in `dir` (creating it if needed), repairs a torn tail, and starts the
  // next epoch. Throws LogCorrupt (log_scan.h) or std::system_error; also throws if another
  // process has the log open.
  static std::unique_ptr<DecisionLog> open(FileSystem& fs, std::string dir, Options options = {});
  ~DecisionLog();  // makes everything queued durable, then stops

  DecisionLog(const DecisionLog&) = delete;
  DecisionLog& operator=(const DecisionLog&) = delete;

  std::uint64_t epoch() const { return epoch_; }
  const std::string& dir() const { return dir_; }
  // A copy of the state as of the last durable batch.
  DecisionState state() const;
  LogStats stats() const;

  // Queues `record`; `done(true)` runs on the writer thread once it is durable (false only
  // after a fatal error that a test chose to survive). `done` may be empty: FINISHED
  // records need no wait, they ride along with the next batch.
  void append(LogRecord record, std::function<void(bool durable)> done = {});
  // Appends and blocks until durable; returns false only after a survived fatal error.
  bool append_and_wait(LogRecord record);

  // Appends and completes, on the caller's executor, with the durable flag.
  template <typename CompletionToken>
  auto async_append(LogRecord record, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(bool)>(
        [this](auto handler, LogRecord record) {
          auto executor = boost::asio::get_associated_executor(handler);
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          append(std::move(record), [executor, shared](bool durable) {
            boost::asio::post(executor, [shared, durable] { std::move (*shared)(durable); });
          });
        },
        token, std::move(record));
  }

 private:
  struct Pending {
    LogRecord record;
    std::function<void(bool)> done;
  };

  DecisionLog(FileSystem& fs, std::string dir, Options options);
  void start_segment(std::uint64_t number);  // writer thread, or before it starts
  void writer_loop();
  void write_batch(std::vector<Pending>& batch);
  void fail(const std::string& what);

  FileSystem& fs_;
  const std::string dir_;
  Options options_;
  std::unique_ptr<FileLock> lock_;
  std::uint64_t epoch_ = 0;

  // Writer thread only (and open() before the thread starts).
  std::unique_ptr<WritableFile> file_;
  std::uint64_t segment_number_ = 0;
  std::string buffer_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Pending> queue_;
  DecisionState state_;  // guarded by mutex_
  LogStats stats_;       // guarded by mutex_
  bool stopping_ = false;
  bool failed_ = false;
  std::thread writer_;
};

}  // namespace xacoord::dlog
