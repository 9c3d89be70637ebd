// The demo actions (docs/dashboard.md, "The demo routes"). Each reads its request body
// first (a bad one is a 400 before any run starts) and returns the run's work, which
// records its steps as events on the run and returns its result.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <functional>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "coordinator/demo/demo_run.h"

namespace xacoord::demo {

class Demo;

using Action = std::function<boost::asio::awaitable<nlohmann::json>(Demo&, DemoRun&)>;

// {"step_ms": 100..2000}: a pay whose engine waits step_ms after each protocol step.
Action slow_pay_action(const nlohmann::json& body);
// {"architecture": "xa", "pairs": 1..100}: pay and cancel racing on fresh orders.
Action race_action(const nlohmann::json& body, Demo& demo);
// {"plant": "none|paid_without_payment|captured_without_paid|balance_off"}.
Action reconcile_action(const nlohmann::json& body);
// {"point": "<crash point>", "retry_with_same_key": false}: a child coordinator killed there.
Action crash_action(const nlohmann::json& body, Demo& demo);

// The request body as an object ({} when empty); a 400 problem otherwise.
nlohmann::json body_object(std::string_view body);

}  // namespace xacoord::demo
