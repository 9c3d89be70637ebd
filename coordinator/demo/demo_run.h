// One run of a dashboard card's "see it happen" action (docs/dashboard.md, "The demo
// routes"), and the runs kept for GET /v1/demo/runs/{run_id}: what it did, step by step
// (events only grow), and its result at the end. Lives on the io_context thread only.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"

namespace xacoord::demo {

class DemoRun {
 public:
  DemoRun(std::string run_id, std::string action, Clock& clock);

  const std::string& run_id() const { return run_id_; }
  const std::string& action() const { return action_; }
  bool running() const { return status_ == "running"; }

  // A step of the run: `step` a short name, `message` in English, `message_zh` in Chinese.
  void event(std::string step, bool ok, std::string message, std::string message_zh,
             nlohmann::json data = nullptr);
  void succeed(nlohmann::json result);
  void fail(std::string why, nlohmann::json result = nullptr);

  nlohmann::json to_json() const;

  // A run records at most this many events: every action's loops are bounded, and this
  // bounds what a poll sends back.
  static constexpr std::size_t kMaxEvents = 400;

 private:
  std::string run_id_;
  std::string action_;
  Clock& clock_;
  std::string status_ = "running";  // running | succeeded | failed
  std::string started_at_;
  std::string finished_at_;
  std::deque<nlohmann::json> events_;
  nlohmann::json result_ = nullptr;
};

// The last kKept runs, and at most one running (a run opens its own accounts and orders
// and some start a child coordinator: one at a time keeps the machine's load bounded).
class DemoRuns {
 public:
  explicit DemoRuns(Clock& clock) : clock_(clock) {}

  // A new run of `action`, or null while another is running.
  std::shared_ptr<DemoRun> start(const std::string& action);
  std::shared_ptr<DemoRun> find(const std::string& run_id) const;
  // The number of the next run: part of the demo accounts' and orders' names.
  std::size_t started() const { return started_; }

  static constexpr std::size_t kKept = 50;

 private:
  Clock& clock_;
  std::size_t started_ = 0;
  std::deque<std::shared_ptr<DemoRun>> runs_;
};

}  // namespace xacoord::demo
