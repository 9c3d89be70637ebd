#include "coordinator/demo/demo.h"

#include <array>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "coordinator/demo/demo_actions.h"
#include "coordinator/observability/event_log.h"
#include "protocol/api_types.h"
#include "protocol/problem.h"

namespace xacoord::demo {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr std::array<http::ApiRoute, 6> kRoutes{{
    {"GET", "/v1/demo", "demo.status"},
    {"GET", "/v1/demo/runs/{run_id}", "demo.run"},
    {"POST", "/v1/demo/slow-pay", "demo.slow_pay"},
    {"POST", "/v1/demo/race", "demo.race"},
    {"POST", "/v1/demo/reconcile", "demo.reconcile"},
    {"POST", "/v1/demo/crash", "demo.crash"},
}};

constexpr std::array<std::string_view, 4> kActions{"slow-pay", "race", "reconcile", "crash"};

}  // namespace

std::span<const http::ApiRoute> demo_route_table() {
  return kRoutes;
}

Demo::Demo(DemoContext context)
    : context_(std::move(context)), local_(context_.orders), runs_(context_.clock) {}

Demo::~Demo() {
  workers_.stop();
  workers_.join();
}

std::string Demo::name(const DemoRun& run, std::string_view what) const {
  // demo-<node>-<run>-<what>: unique across coordinators on the pair and across runs of
  // this one (runs of an earlier start of the same node add the start's wall time).
  static const std::string start =
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count() %
                     100000);
  return std::string(kAccountPrefix) + context_.node_id + "-" + start + "-" + run.run_id() + "-" +
         std::string(what);
}

asio::awaitable<void> Demo::at_step(const Transaction& txn, CrashPoint point) {
  if (!slow_pay || txn.order_id() != slow_pay->order_id || txn.kind() != "pay") co_return;
  json branches = json::array();
  std::string states;
  for (const auto& b : txn.branches()) {
    std::string state = b.started ? std::string(name_of(b.state)) : "NOT_STARTED";
    branches.push_back(
        {{"participant", b.participant}, {"xid", b.xid.to_string()}, {"state", state}});
    states += (states.empty() ? "" : ", ") + b.participant + " " + state;
  }
  std::string step(name_of(point));
  slow_pay->run->event("branch_state", true, step + ": " + states, step + "：" + states,
                       json{{"txn_id", txn.id_text()},
                            {"point", step},
                            {"transaction_state", std::string(name_of(txn.state()))},
                            {"branches", branches}});
  auto pause = slow_pay->step;
  co_await sleep_for(context_.clock, pause);
}

json body_object(std::string_view body) {
  if (body.empty()) return json::object();
  json parsed = json::parse(body, nullptr, false);
  if (!parsed.is_object())
    throw ProblemError(problems::bad_request("the body must be a JSON object (or empty)"));
  return parsed;
}

void Demo::add_routes(http::Router& router) {
  router.add("GET", "/v1/demo", "demo.status",
             [this](const http::Request&, const http::ParsedTarget&,
                    const http::Params&) -> asio::awaitable<http::Response> {
               json body{{"enabled", context_.enabled}, {"actions", json::array()}};
               if (context_.enabled) {
                 for (auto a : kActions)
                   body["actions"].push_back(a);
                 json points = json::array();
                 for (CrashPoint p : kAllCrashPoints)
                   points.push_back(std::string(name_of(p)));
                 body["crash_points"] = points;
                 body["architectures"] = context_.architectures;
                 body["architecture"] = context_.architecture;
                 body["account_prefix"] = std::string(kAccountPrefix);
               }
               co_return http::Response::json(200, api::dump(body));
             });
  if (!context_.enabled) return;
  router.add("GET", "/v1/demo/runs/{run_id}", "demo.run",
             [this](const http::Request&, const http::ParsedTarget&,
                    const http::Params& p) -> asio::awaitable<http::Response> {
               auto run = runs_.find(p[0]);
               if (!run) {
                 throw ProblemError(
                     problems::not_found("no demo run " + p[0].substr(0, 64) + " (the last " +
                                         std::to_string(DemoRuns::kKept) + " are kept)"));
               }
               co_return http::Response::json(200, api::dump(run->to_json()));
             });
  auto add_action = [this, &router](std::string action, std::string name,
                                    std::function<Action(const json&)> make) {
    router.add(
        "POST", "/v1/demo/" + action, name,
        [this, action, make](const http::Request& r, const http::ParsedTarget&,
                             const http::Params&) -> asio::awaitable<http::Response> {
          Action work = make(body_object(r.body));  // a bad body: 400, no run
          auto run = runs_.start(action);
          if (!run) {
            throw ProblemError(problems::demo_busy(
                "another demo run is going; wait for it (GET /v1/demo/runs/{run_id})"));
          }
          asio::co_spawn(
              context_.executor,
              [this, run, work]() -> asio::awaitable<void> {
                std::string failure;
                try {
                  json result = co_await work(*this, *run);
                  run->succeed(std::move(result));
                } catch (const std::exception& e) {
                  failure = e.what();
                }
                if (!failure.empty()) {
                  run->fail(failure);
                  log_event("demo_run_failed", {{"run_id", run->run_id()}, {"error", failure}});
                }
                slow_pay.reset();
              },
              asio::detached);
          json started{{"run_id", run->run_id()}, {"action", action}};
          co_return http::Response::json(202, api::dump(started));
        });
  };
  add_action("slow-pay", "demo.slow_pay", [](const json& b) { return slow_pay_action(b); });
  add_action("race", "demo.race", [this](const json& b) { return race_action(b, *this); });
  add_action("reconcile", "demo.reconcile", [](const json& b) { return reconcile_action(b); });
  add_action("crash", "demo.crash", [this](const json& b) { return crash_action(b, *this); });
}

}  // namespace xacoord::demo
