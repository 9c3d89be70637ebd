// A decision store in memory (coordinator/store/decision_store.h), for unit tests. The
// "disk" (MemoryDisk) outlives the store, as a decision log outlives its process: a test
// crashes a process, and the next one opens a new store on the same disk. Records become
// durable at once, or only when the test says (hold_durability / make_durable), so a
// crash can land between an append and its fsync.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "coordinator/store/decision_store.h"
#include "tests/support/fakes/fake_server.h"

namespace xacoord::test {

struct MemoryDisk {
  std::vector<LogRecord> durable;
  std::uint64_t epoch = 0;
  DecisionState state() const;
};

class MemoryDecisionStore final : public DecisionStore {
 public:
  MemoryDecisionStore(MemoryDisk& disk, std::shared_ptr<FakeProcess> process);

  std::string_view kind() const override { return "memory"; }
  std::uint64_t epoch() const override { return epoch_; }
  boost::asio::awaitable<bool> record_commit(CommitDecision decision) override;
  boost::asio::awaitable<bool> record_heuristic(HeuristicRecord record) override;
  void record_finished(std::string txn_id) override;
  boost::asio::awaitable<DecisionState> load() override;

  // From now on appends wait in a queue until make_durable().
  void hold_durability() { holding_ = true; }
  // Makes every queued append durable and completes its waiters.
  void make_durable();
  std::size_t queued() const { return queue_.size(); }
  // Answer false (a refused decision, as an etcd store cut off from its cluster would).
  void refuse_decisions(bool refuse) { refuse_ = refuse; }
  std::size_t finished_records() const { return finished_; }
  // The process died: what was queued never becomes durable, its waiters never hear.
  void crash();

 private:
  boost::asio::awaitable<bool> append(LogRecord record, bool wait);

  MemoryDisk& disk_;
  std::shared_ptr<FakeProcess> process_;
  std::uint64_t epoch_;
  bool holding_ = false;
  bool refuse_ = false;
  std::size_t finished_ = 0;
  std::deque<std::pair<LogRecord, std::function<void()>>> queue_;
};

}  // namespace xacoord::test
