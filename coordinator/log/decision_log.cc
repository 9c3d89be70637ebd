#include "coordinator/log/decision_log.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>

#include "coordinator/log/log_format.h"
#include "coordinator/log/log_scan.h"

namespace xacoord::dlog {
namespace {

void abort_process(const std::string& what) {
  std::fprintf(stderr, "FATAL decision log: %s: stopping now; restart runs recovery\n",
               what.c_str());
  std::fflush(stderr);
  std::abort();
}

std::string parent_of(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/')
    dir.pop_back();
  auto slash = dir.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : dir.substr(0, slash);
}

// Creates `dir` and any missing parents, and syncs each new entry into its parent: the
// log directory must survive a crash too, or the epochs it holds could be handed out again.
void make_durable_dirs(FileSystem& fs, const std::string& dir) {
  std::vector<std::string> missing;
  for (std::string d = dir; !fs.exists(d); d = parent_of(d))
    missing.push_back(d);
  if (missing.empty()) return;
  fs.make_dirs(dir);
  for (const auto& d : missing)
    fs.sync_dir(parent_of(d));
}

}  // namespace

std::unique_ptr<DecisionLog> DecisionLog::open(FileSystem& fs, std::string dir, Options options) {
  if (!options.on_fatal) options.on_fatal = abort_process;
  std::unique_ptr<DecisionLog> log(new DecisionLog(fs, std::move(dir), std::move(options)));
  make_durable_dirs(fs, log->dir_);
  log->lock_ = fs.lock(log->dir_ + "/LOCK");
  if (!log->lock_)
    throw std::runtime_error(log->dir_ + ": another xacoord has this decision log open");

  LogScan scan = scan_log(fs, log->dir_);
  // A torn tail is cut away (and synced) before anything new is written.
  apply_repairs(fs, log->dir_, scan.repairs);
  log->repairs_ = scan.repairs;
  log->state_ = std::move(scan.state);
  log->epoch_ = log->state_.epoch() + 1;
  log->state_.set_epoch(log->epoch_);
  // The new epoch is durable before any transaction id of it exists.
  log->start_segment(scan.next_number);
  log->writer_ = std::thread([raw = log.get()] { raw->writer_loop(); });
  return log;
}

DecisionLog::DecisionLog(FileSystem& fs, std::string dir, Options options)
    : fs_(fs), dir_(std::move(dir)), options_(std::move(options)) {}

DecisionLog::~DecisionLog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
}

DecisionState DecisionLog::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

LogStats DecisionLog::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::size_t DecisionLog::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void DecisionLog::append(LogRecord record, std::function<void(bool)> done) {
  // Encoding here, on the appender's thread, keeps the writer's critical path to write and
  // fdatasync, and refuses an unstorable record before it can reach the disk.
  std::string frame = encode_frame(record);
  {
    std::lock_guard lock(mutex_);
    if (!failed_) {
      queued_waiters_ += done ? 1 : 0;
      queued_bytes_ += frame.size();
      queue_.push_back(
          {std::move(record), std::move(frame), std::move(done), std::chrono::steady_clock::now()});
      done = nullptr;
    }
  }
  if (done) {
    done(false);  // outside the lock: `done` may append again
    return;
  }
  wake_.notify_one();
}

bool DecisionLog::append_and_wait(LogRecord record) {
  struct Waiter {
    std::mutex mutex;
    std::condition_variable done;
    std::optional<bool> durable;
  } waiter;
  append(std::move(record), [&waiter](bool durable) {
    // Notified under the lock: the waiter cannot return (and destroy `waiter`) before.
    std::lock_guard lock(waiter.mutex);
    waiter.durable = durable;
    waiter.done.notify_one();
  });
  std::unique_lock lock(waiter.mutex);
  waiter.done.wait(lock, [&] { return waiter.durable.has_value(); });
  return *waiter.durable;
}

// Writes a new segment whose first record checkpoints the whole state, makes it durable
// (file and directory), and only then removes the segments before it.
void DecisionLog::start_segment(std::uint64_t number) {
  CheckpointRecord checkpoint;
  {
    std::lock_guard lock(mutex_);
    checkpoint = state_.checkpoint();
  }
  std::string path = dir_ + "/" + segment_file_name(number);
  std::string bytes = encode_header(number);
  bytes += encode_frame(checkpoint);
  auto file = fs_.create(path);
  file->append(bytes);
  file->sync();
  fs_.sync_dir(dir_);
  file_ = std::move(file);
  std::uint64_t previous = segment_number_;
  segment_number_ = number;
  checkpoint_end_ = bytes.size();
  // Older segments hold nothing the checkpoint lacks. At open, segment_number_ is 0 and
  // every older file is looked up by name.
  bool removed = false;
  for (const auto& name : fs_.list(dir_)) {
    auto n = segment_number_of(name);
    if (n && *n < number && (previous == 0 || *n <= previous)) {
      fs_.remove(dir_ + "/" + name);
      removed = true;
    }
  }
  if (removed) fs_.sync_dir(dir_);
  std::lock_guard lock(mutex_);
  stats_.segments_created++;
  stats_.current_segment = number;
  stats_.current_segment_bytes = file_->size();
  stats_.checkpoint_bytes = bytes.size() - encode_header(number).size();
}

bool DecisionLog::wait_for_batch(std::unique_lock<std::mutex>& lock) {
  for (;;) {
    if (failed_) return false;
    if (queue_.empty()) {
      if (stopping_) return false;
      wake_.wait(lock);
      continue;
    }
    if (stopping_ || queued_waiters_ > 0 || queued_bytes_ >= options_.max_batch_bytes) {
      return true;
    }
    // Only records nobody waits for: give them a little while to ride with one that is.
    const auto due = queue_.front().queued_at + options_.unhurried_delay;
    if (std::chrono::steady_clock::now() >= due) return true;
    wake_.wait_until(lock, due);
  }
}

void DecisionLog::writer_loop() {
  std::vector<Pending> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (!wait_for_batch(lock)) break;
      std::size_t bytes = 0;
      while (!queue_.empty() &&
             (batch.empty() || bytes + queue_.front().frame.size() <= options_.max_batch_bytes)) {
        Pending& next = queue_.front();
        bytes += next.frame.size();
        queued_bytes_ -= next.frame.size();
        queued_waiters_ -= next.done ? 1 : 0;
        batch.push_back(std::move(next));
        queue_.pop_front();
      }
    }
    write_batch(batch);
    batch.clear();
  }
}

bool DecisionLog::should_rotate() const {
  const std::uint64_t records = file_->size() - checkpoint_end_;
  return records >= std::max<std::uint64_t>(options_.segment_bytes, checkpoint_end_);
}

void DecisionLog::write_batch(std::vector<Pending>& batch) {
  buffer_.clear();
  for (const auto& p : batch)
    buffer_ += p.frame;
  std::chrono::nanoseconds sync_time{0};
  try {
    file_->append(buffer_);
    auto before = std::chrono::steady_clock::now();
    if (options_.injected_sync_delay.count() > 0)
      std::this_thread::sleep_for(options_.injected_sync_delay);
    file_->sync();
    sync_time = std::chrono::steady_clock::now() - before;
  } catch (const std::exception& e) {
    fail(e.what());
    for (auto& p : batch) {
      if (p.done) p.done(false);
    }
    return;
  }
  {
    std::lock_guard lock(mutex_);
    for (const auto& p : batch)
      state_.apply(p.record);
    stats_.batches++;
    stats_.records += batch.size();
    stats_.bytes += buffer_.size();
    stats_.current_segment_bytes = file_->size();
  }
  if (options_.observer) options_.observer->on_batch(batch.size(), buffer_.size(), sync_time);
  for (auto& p : batch) {
    if (p.done) p.done(true);
  }
  if (should_rotate()) {
    try {
      start_segment(segment_number_ + 1);
    } catch (const std::exception& e) {
      fail(std::string("rotating to a new segment: ") + e.what());
    }
  }
}

void DecisionLog::fail(const std::string& what) {
  options_.on_fatal(what);  // by default, does not return
  std::deque<Pending> orphans;
  {
    std::lock_guard lock(mutex_);
    failed_ = true;
    orphans.swap(queue_);
    queued_waiters_ = 0;
    queued_bytes_ = 0;
  }
  for (auto& p : orphans) {
    if (p.done) p.done(false);
  }
}

}  // namespace xacoord::dlog
