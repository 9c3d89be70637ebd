#include "coordinator/log/decision_log.h"

#include <cstdio>
#include <cstdlib>
#include <future>
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

}  // namespace

std::unique_ptr<DecisionLog> DecisionLog::open(FileSystem& fs, std::string dir, Options options) {
  if (!options.on_fatal) options.on_fatal = abort_process;
  std::unique_ptr<DecisionLog> log(new DecisionLog(fs, std::move(dir), std::move(options)));
  fs.make_dirs(log->dir_);
  log->lock_ = fs.lock(log->dir_ + "/LOCK");
  if (!log->lock_)
    throw std::runtime_error(log->dir_ + ": another xacoord has this decision log open");

  LogScan scan = scan_log(fs, log->dir_);
  apply_repairs(fs, log->dir_, scan.repairs);
  log->state_ = std::move(scan.state);
  log->epoch_ = log->state_.epoch() + 1;
  log->state_.set_epoch(log->epoch_);
  // The new epoch is durable before any transaction id of it exists.
  log->start_segment(scan.newest_number + 1);
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

void DecisionLog::append(LogRecord record, std::function<void(bool)> done) {
  {
    std::lock_guard lock(mutex_);
    if (failed_) {
      if (done) done(false);
      return;
    }
    queue_.push_back({std::move(record), std::move(done)});
  }
  wake_.notify_one();
}

bool DecisionLog::append_and_wait(LogRecord record) {
  std::promise<bool> durable;
  auto result = durable.get_future();
  append(std::move(record), [&durable](bool ok) { durable.set_value(ok); });
  return result.get();
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
  auto file = fs_.create(path);
  std::string bytes = encode_header(number);
  append_frame(bytes, checkpoint);
  file->append(bytes);
  file->sync();
  fs_.sync_dir(dir_);
  file_ = std::move(file);
  std::uint64_t previous = segment_number_;
  segment_number_ = number;
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
}

void DecisionLog::writer_loop() {
  std::vector<Pending> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() || failed_) break;
      batch.swap(queue_);
    }
    write_batch(batch);
    batch.clear();
  }
}

void DecisionLog::write_batch(std::vector<Pending>& batch) {
  buffer_.clear();
  for (const auto& p : batch)
    append_frame(buffer_, p.record);
  std::chrono::nanoseconds sync_time{0};
  try {
    file_->append(buffer_);
    auto before = std::chrono::steady_clock::now();
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
  if (file_->size() >= options_.segment_bytes) {
    try {
      start_segment(segment_number_ + 1);
    } catch (const std::exception& e) {
      fail(std::string("rotating to a new segment: ") + e.what());
    }
  }
}

void DecisionLog::fail(const std::string& what) {
  options_.on_fatal(what);  // by default, does not return
  std::vector<Pending> orphans;
  {
    std::lock_guard lock(mutex_);
    failed_ = true;
    orphans.swap(queue_);
  }
  for (auto& p : orphans) {
    if (p.done) p.done(false);
  }
}

}  // namespace xacoord::dlog
