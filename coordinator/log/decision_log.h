// The decision log: the one thing the coordinator must never lose (docs/decision-log.md).
//
// A commit decision counts only once it is durable: appenders queue records, one writer
// thread writes everything queued as one batch with one write() and one fdatasync(), and
// then tells every appender of the batch. Many transactions deciding at once therefore
// share one fsync (group commit). A failed fdatasync is fatal: after it, the kernel may have
// dropped the dirty pages and a retry could report success for data that is gone.
//
// Opening a log recovers it (log_scan.h), then starts a new epoch in a new segment whose
// first record is a checkpoint of everything still open, and removes older segments. The
// writer rotates to a new checkpointed segment once a segment's records outgrow its limit,
// so disk use follows the transactions in flight, not the history.
#pragma once

#include <utility>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
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
#include "coordinator/log/log_scan.h"
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
  // A segment rotates once the records written after its checkpoint reach this many bytes,
  // or the checkpoint's own size if that is larger (so a large checkpoint is not rewritten
  // after every batch: at most half of what the log writes is checkpoints).
  std::uint64_t segment_bytes = 4u << 20;
  // A batch takes queued records up to this many bytes (at least one record), so a burst
  // cannot make one write, or one segment, arbitrarily large.
  std::size_t max_batch_bytes = 1u << 20;
  // A record appended without a completion (FINISHED) waits up to this long for a record
  // somebody waits for, and rides along in its batch; only then is it written on its own.
  // Without this, every FINISHED would cost an fdatasync of its own, and the next decision
  // would wait behind it.
  std::chrono::milliseconds unhurried_delay{20};
  BatchObserver* observer = nullptr;
  // Fault injection only (`serve --enable-fault-injection`, XACOORD_LOG_SYNC_DELAY_MS): a
  // slow disk, added before every fdatasync of a batch (docs/reliability.md, "Disks").
  std::chrono::milliseconds injected_sync_delay{0};
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
  std::uint64_t checkpoint_bytes = 0;  // of the current segment's checkpoint frame
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
  // What open() repaired (a torn tail cut, a half-created segment removed), for the
  // operator's log.
  const std::vector<Repair>& repairs_at_open() const { return repairs_; }
  // A copy of the state as of the last durable batch.
  DecisionState state() const;
  LogStats stats() const;
  // Records queued and not yet taken into a batch.
  std::size_t queued() const;

  // Queues `record`; `done(true)` runs on the writer thread once it is durable (false only
  // after a fatal error that a test chose to survive). `done` may be empty: FINISHED
  // records need no wait, they ride along with the next batch (Options::unhurried_delay).
  // Throws std::invalid_argument (log_format.h, encode_frame) for a record the log could
  // not read back.
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
    std::string frame;  // encoded by the appender, so the writer only writes
    std::function<void(bool)> done;
    std::chrono::steady_clock::time_point queued_at;
  };

  DecisionLog(FileSystem& fs, std::string dir, Options options);
  void start_segment(std::uint64_t number);  // writer thread, or before it starts
  void writer_loop();
  // Waits until a batch is due; false when the writer must stop. Needs mutex_ held.
  bool wait_for_batch(std::unique_lock<std::mutex>& lock);
  bool should_rotate() const;
  void write_batch(std::vector<Pending>& batch);
  void fail(const std::string& what);

  FileSystem& fs_;
  const std::string dir_;
  Options options_;
  std::unique_ptr<FileLock> lock_;
  std::uint64_t epoch_ = 0;
  std::vector<Repair> repairs_;

  // Writer thread only (and open() before the thread starts).
  std::unique_ptr<WritableFile> file_;
  std::uint64_t segment_number_ = 0;
  std::uint64_t checkpoint_end_ = 0;  // where the current segment's records begin
  std::string buffer_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  std::size_t queued_waiters_ = 0;  // records in queue_ with a completion
  std::size_t queued_bytes_ = 0;
  DecisionState state_;  // guarded by mutex_
  LogStats stats_;       // guarded by mutex_
  bool stopping_ = false;
  bool failed_ = false;
  std::thread writer_;
};

}  // namespace xacoord::dlog
