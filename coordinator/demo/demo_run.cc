#include "coordinator/demo/demo_run.h"

#include "coordinator/observability/event_log.h"

namespace xacoord::demo {

DemoRun::DemoRun(std::string run_id, std::string action, Clock& clock)
    : run_id_(std::move(run_id)),
      action_(std::move(action)),
      clock_(clock),
      started_at_(rfc3339_utc(clock.wall_now())) {}

void DemoRun::event(std::string step, bool ok, std::string message, std::string message_zh,
                    nlohmann::json data) {
  if (events_.size() >= kMaxEvents) return;
  nlohmann::json e{{"at", rfc3339_utc(clock_.wall_now())},
                   {"step", std::move(step)},
                   {"ok", ok},
                   {"message", std::move(message)},
                   {"message_zh", std::move(message_zh)}};
  if (!data.is_null()) e["data"] = std::move(data);
  events_.push_back(std::move(e));
}

void DemoRun::succeed(nlohmann::json result) {
  status_ = "succeeded";
  result_ = std::move(result);
  finished_at_ = rfc3339_utc(clock_.wall_now());
}

void DemoRun::fail(std::string why, nlohmann::json result) {
  event("failed", false, why, "失败：" + why);
  status_ = "failed";
  result_ = std::move(result);
  finished_at_ = rfc3339_utc(clock_.wall_now());
}

nlohmann::json DemoRun::to_json() const {
  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : events_)
    events.push_back(e);
  nlohmann::json body{{"run_id", run_id_},         {"action", action_}, {"status", status_},
                      {"started_at", started_at_}, {"events", events},  {"result", result_}};
  body["finished_at"] =
      finished_at_.empty() ? nlohmann::json(nullptr) : nlohmann::json(finished_at_);
  return body;
}

std::shared_ptr<DemoRun> DemoRuns::start(const std::string& action) {
  for (const auto& r : runs_) {
    if (r->running()) return nullptr;
  }
  ++started_;
  auto run = std::make_shared<DemoRun>("d-" + std::to_string(started_), action, clock_);
  runs_.push_back(run);
  while (runs_.size() > kKept)
    runs_.pop_front();
  return run;
}

std::shared_ptr<DemoRun> DemoRuns::find(const std::string& run_id) const {
  for (const auto& r : runs_) {
    if (r->run_id() == run_id) return r;
  }
  return nullptr;
}

}  // namespace xacoord::demo
