// Group commit: concurrent appenders share one write and one fdatasync, and none of them
// resumes before its batch is durable. A failed fdatasync is fatal and never retried.
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "coordinator/log/decision_log.h"
#include "tests/coordinator/log/log_test_util.h"
#include "tests/coordinator/log/memory_file_system.h"

namespace xacoord::dlog::test {
namespace {

// Holds the writer inside fdatasync until released.
class SyncGate {
 public:
  void install(MemoryFileSystem& fs) {
    fs.set_before_sync([this](const std::string&) {
      std::unique_lock lock(mutex_);
      ++arrived_;
      changed_.notify_all();
      changed_.wait(lock, [this] { return open_; });
    });
  }
  void close() {
    std::lock_guard lock(mutex_);
    open_ = false;
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  // Waits until the writer has entered fdatasync `n` times in all; false after 10 s.
  bool wait_arrivals(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return arrived_ >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = true;
  int arrived_ = 0;
};

Options surviving_options(std::vector<std::string>* fatal) {
  Options o;
  o.on_fatal = [fatal](const std::string& what) { fatal->push_back(what); };
  return o;
}

TEST(GroupCommit, ConcurrentAppendersShareOneWriteAndOneSync) {
  MemoryFileSystem fs;
  SyncGate gate;
  gate.install(fs);
  auto log = DecisionLog::open(fs, "/log");
  const auto writes_at_open = fs.appends();
  const auto syncs_at_open = fs.file_syncs();

  // The first appender's batch is stuck in fdatasync while 63 more appenders arrive.
  gate.close();
  std::atomic<int> resumed{0};
  std::thread first([&] {
    EXPECT_TRUE(log->append_and_wait(decision(txn(0))));
    resumed++;
  });
  if (!gate.wait_arrivals(2)) {  // the open's sync, then the first batch's
    gate.open();
    first.join();
    FAIL() << "the first batch never reached fdatasync";
  }
  constexpr int kOthers = 63;
  std::vector<std::thread> others;
  for (int i = 1; i <= kOthers; ++i) {
    others.emplace_back([&, i] {
      EXPECT_TRUE(log->append_and_wait(decision(txn(i))));
      resumed++;
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (log->queued() < kOthers && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  EXPECT_EQ(log->queued(), static_cast<std::size_t>(kOthers)) << "they should wait in one queue";
  EXPECT_EQ(resumed.load(), 0) << "an appender resumed before its batch was durable";
  gate.open();
  first.join();
  for (auto& t : others)
    t.join();

  EXPECT_EQ(resumed.load(), 1 + kOthers);
  auto stats = log->stats();
  EXPECT_EQ(stats.batches, 2u) << "the 63 waiting appenders should have formed one batch";
  EXPECT_EQ(stats.records, 1u + kOthers);
  EXPECT_EQ(fs.appends() - writes_at_open, 2u) << "one write per batch";
  EXPECT_EQ(fs.file_syncs() - syncs_at_open, 2u) << "one fdatasync per batch";
}

TEST(GroupCommit, ManyThreadsNeedFewerSyncsThanRecordsAndLoseNothing) {
  MemoryFileSystem fs;
  auto log = DecisionLog::open(fs, "/log");
  const auto syncs_at_open = fs.file_syncs();
  // Every fdatasync takes a little while, as on a disk.
  fs.set_before_sync(
      [](const std::string&) { std::this_thread::sleep_for(std::chrono::microseconds(200)); });
  constexpr int kThreads = 16, kEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i)
        ASSERT_TRUE(log->append_and_wait(decision(txn(t * 1000 + i))));
    });
  }
  for (auto& t : threads)
    t.join();
  auto stats = log->stats();
  EXPECT_EQ(stats.records, static_cast<std::uint64_t>(kThreads * kEach));
  EXPECT_EQ(fs.file_syncs() - syncs_at_open, stats.batches);
  EXPECT_LT(stats.batches, stats.records / 2);
  log.reset();
  auto scan = scan_log(fs, "/log");
  EXPECT_EQ(scan.state.open().size(), static_cast<std::size_t>(kThreads * kEach));
}

// At the moment an appender hears "durable", a power cut must not take its record away.
TEST(GroupCommit, EveryAcknowledgedRecordIsInTheCrashImageAtThatMoment) {
  MemoryFileSystem fs;
  auto log = DecisionLog::open(fs, "/log");
  std::atomic<int> checked{0}, missing{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::string id = txn(t * 100 + i);
        std::promise<void> done;
        log->append(decision(id), [&, id](bool durable) {
          EXPECT_TRUE(durable);
          // Runs on the writer thread, before any later batch is written.
          try {
            auto image = fs.crash_image();
            if (!scan_log(*image, "/log").state.must_commit(id)) missing++;
          } catch (const std::exception&) {
            missing++;  // not even the log directory survives
          }
          checked++;
          done.set_value();
        });
        done.get_future().wait();
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(checked.load(), 100);
  EXPECT_EQ(missing.load(), 0);
}

// A FINISHED record (nobody waits for it) costs no fdatasync of its own when a decision
// follows soon: it rides in the decision's batch.
TEST(GroupCommit, RecordNobodyWaitsForRidesWithTheNextOne) {
  MemoryFileSystem fs;
  Options options;
  options.unhurried_delay = std::chrono::seconds(30);  // "soon" is never an issue here
  auto log = DecisionLog::open(fs, "/log", options);
  const auto syncs_at_open = fs.file_syncs();
  ASSERT_TRUE(log->append_and_wait(decision(txn(1))));
  for (int i = 2; i <= 20; ++i) {
    log->append(finished(txn(i - 1)));
    ASSERT_TRUE(log->append_and_wait(decision(txn(i))));
  }
  EXPECT_EQ(fs.file_syncs() - syncs_at_open, 20u) << "one fdatasync per decision, none more";
  EXPECT_EQ(log->stats().records, 39u);
  EXPECT_EQ(open_ids(log->state()), std::vector<std::string>{txn(20)});
}

// ... and is written on its own once it has waited long enough.
TEST(GroupCommit, RecordNobodyWaitsForIsWrittenAfterTheDelay) {
  MemoryFileSystem fs;
  Options options;
  options.unhurried_delay = std::chrono::milliseconds(5);
  auto log = DecisionLog::open(fs, "/log", options);
  log->append(decision(txn(1)));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (log->stats().records == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(log->stats().records, 1u);
  EXPECT_TRUE(scan_log(*fs.crash_image(), "/log").state.must_commit(txn(1)));
}

TEST(DurabilityFaults, FailedFdatasyncIsFatalAndNeverRetried) {
  MemoryFileSystem fs;
  std::vector<std::string> fatal;
  auto log = DecisionLog::open(fs, "/log", surviving_options(&fatal));
  ASSERT_TRUE(log->append_and_wait(decision(txn(1))));
  ASSERT_TRUE(log->append_and_wait(finished(txn(1))));
  ASSERT_TRUE(log->append_and_wait(decision(txn(2))));
  const std::vector<LogRecord> acknowledged{decision(txn(1)), finished(txn(1)), decision(txn(2))};

  fs.fail_sync(1);
  const auto syncs_before = fs.file_syncs();
  EXPECT_FALSE(log->append_and_wait(decision(txn(3))));
  ASSERT_EQ(fatal.size(), 1u);
  EXPECT_NE(fatal[0].find("fdatasync"), std::string::npos) << fatal[0];
  // Everything after is refused at once, with no further write or sync.
  EXPECT_FALSE(log->append_and_wait(decision(txn(4))));
  bool refused = false;
  log->append(finished(txn(2)), [&](bool durable) { refused = !durable; });
  EXPECT_TRUE(refused);
  log.reset();
  EXPECT_EQ(fs.file_syncs(), syncs_before + 1) << "a failed fdatasync must not be retried";
  EXPECT_EQ(fatal.size(), 1u);

  // The failed batch never became durable: a crash now loses it, and only it.
  auto image = fs.crash_image();
  auto scan = scan_log(*image, "/log");
  EXPECT_EQ(summaries(records_of(scan)), summaries(acknowledged));
  EXPECT_EQ(records_of(scan), acknowledged);
}

TEST(DurabilityFaults, FailedDirectorySyncWhileRotatingIsFatal) {
  MemoryFileSystem fs;
  std::vector<std::string> fatal;
  Options options = surviving_options(&fatal);
  options.segment_bytes = 4096;
  auto log = DecisionLog::open(fs, "/log", options);
  fs.fail_sync_dir(1);
  bool refused = false;
  for (int i = 0; i < 200 && !refused; ++i)
    refused = !log->append_and_wait(decision(txn(i)));
  ASSERT_EQ(fatal.size(), 1u);
  EXPECT_NE(fatal[0].find("rotating"), std::string::npos) << fatal[0];
  EXPECT_TRUE(refused);
}

TEST(DurabilityFaults, DefaultReactionToAFailedFdatasyncIsToAbort) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        MemoryFileSystem fs;
        auto log = DecisionLog::open(fs, "/log");
        fs.fail_sync(1);
        log->append_and_wait(decision(txn(1)));
      },
      "FATAL decision log: fdatasync");
}

TEST(DurabilityFaults, NewSegmentsAndRemovalsAreFollowedByADirectorySync) {
  MemoryFileSystem fs;
  Options options;
  options.segment_bytes = 4096;
  options.max_batch_bytes = 512;
  {
    auto log = DecisionLog::open(fs, "/log", options);
    for (int i = 0; i < 200; ++i)
      log->append(decision(txn(i)));
    log->append_and_wait(finished(txn(0)));
  }
  ASSERT_GT(scan_log(fs, "/log").newest_number, 3u) << "the log should have rotated";
  // Without the directory syncs, the crash image would lack the new segments or still
  // hold removed ones; either way it would differ from what the live directory shows.
  auto image = fs.crash_image();
  EXPECT_EQ(image->file_paths(), fs.file_paths());
  EXPECT_EQ(scan_log(*image, "/log").state.open().size(), 199u);
}

TEST(DecisionLogOpen, NewLogDirectoryIsItselfDurable) {
  MemoryFileSystem fs;
  { auto log = DecisionLog::open(fs, "/var/xa/log"); }
  auto image = fs.crash_image();
  EXPECT_TRUE(image->exists("/var/xa/log"));
  EXPECT_EQ(scan_log(*image, "/var/xa/log").state.epoch(), 1u);
}

TEST(DecisionLogOpen, EveryOpenStartsAHigherEpochInANewSegment) {
  MemoryFileSystem fs;
  std::uint64_t last_epoch = 0;
  for (int run = 0; run < 3; ++run) {
    auto log = DecisionLog::open(fs, "/log");
    EXPECT_GT(log->epoch(), last_epoch);
    last_epoch = log->epoch();
    log->append_and_wait(decision(txn(run)));
  }
  auto scan = scan_log(fs, "/log");
  ASSERT_EQ(scan.segments.size(), 1u) << "older segments are removed";
  EXPECT_EQ(scan.segments[0].number, 3u);
  EXPECT_EQ(scan.state.epoch(), 3u);
  EXPECT_EQ(open_ids(scan.state), (std::vector<std::string>{txn(0), txn(1), txn(2)}));
}

TEST(DecisionLogOpen, SecondOpenOfTheSameDirectoryIsRefused) {
  MemoryFileSystem fs;
  auto log = DecisionLog::open(fs, "/log");
  EXPECT_THROW(DecisionLog::open(fs, "/log"), std::runtime_error);
}

TEST(DecisionLogAppend, UnstorableRecordIsRefusedBeforeItReachesTheDisk) {
  MemoryFileSystem fs;
  auto log = DecisionLog::open(fs, "/log");
  HeuristicRecord h{txn(1), true, 1, std::string(5000, 'x'), decision(txn(1)).branches};
  EXPECT_THROW(log->append(h), std::invalid_argument);
  CommitDecision d = decision(std::string(300, '7'));
  EXPECT_THROW(log->append(d), std::invalid_argument);
  ASSERT_TRUE(log->append_and_wait(decision(txn(2))));
  log.reset();
  EXPECT_EQ(open_ids(scan_log(fs, "/log").state), std::vector<std::string>{txn(2)});
}

}  // namespace
}  // namespace xacoord::dlog::test
