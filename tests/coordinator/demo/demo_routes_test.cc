// The demo routes (docs/api.md, "The demo routes") on a real `xacoord serve --demo` and
// the suite's MariaDB pair: each action runs to the result its card shows, the reconcile
// run finds every planted discrepancy (and none on a clean account), the crash run's child
// recovers as contract §5's table says, and without the flag nothing but GET /v1/demo exists.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "tests/coordinator/http/http_fixture.h"

namespace xacoord::test {
namespace {

using nlohmann::json;

// Starts `action` and polls its run until it ends (bounded); returns the run.
json run_to_end(HttpClient& c, const std::string& action, const json& body) {
  auto started = c.post_json("/v1/demo/" + action, body);
  EXPECT_EQ(started.status, 202) << started.body;
  if (started.status != 202) return json::object();
  const std::string id = started.json()["run_id"];
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(150);
  for (;;) {
    auto r = c.get("/v1/demo/runs/" + id);
    EXPECT_EQ(r.status, 200) << r.body;
    json run = r.json();
    if (run.value("status", "") != "running") return run;
    if (std::chrono::steady_clock::now() > until) {
      ADD_FAILURE() << action << " did not end: " << r.body;
      return run;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

std::string steps(const json& run) {
  std::string out;
  for (const auto& e : run["events"])
    out += e.value("step", "") + ": " + e.value("message", "") + "\n";
  return out;
}

class DemoRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = DbPair::shared();
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  }
  std::optional<DbPair> pair_;
};

TEST_F(DemoRoutesTest, WithoutTheFlagOnlyTheStatusRouteExists) {
  auto coordinator = start_coordinator(*pair_);
  auto c = coordinator->client();
  auto status = c.get("/v1/demo");
  ASSERT_EQ(status.status, 200);
  EXPECT_EQ(status.json()["enabled"], false);
  EXPECT_TRUE(status.json()["actions"].empty());
  EXPECT_TRUE(is_problem(c.post_json("/v1/demo/race", json::object()), 404, "no-route"));
  EXPECT_TRUE(is_problem(c.get("/v1/demo/runs/d-1"), 404, "no-route"));
  EXPECT_FALSE(c.get("/v1/status").json()["demo"].get<bool>());
}

TEST_F(DemoRoutesTest, EachActionRunsToItsResult) {
  auto coordinator = start_coordinator(*pair_, {"--demo"});
  auto c = coordinator->client();
  json caps = c.get("/v1/demo").json();
  ASSERT_EQ(caps["enabled"], true);
  EXPECT_EQ(caps["actions"], json::array({"slow-pay", "race", "reconcile", "crash"}));
  EXPECT_TRUE(c.get("/v1/status").json()["demo"].get<bool>());

  // Bad bodies are refused before any run starts.
  EXPECT_TRUE(
      is_problem(c.post_json("/v1/demo/slow-pay", {{"step_ms", 5}}), 400, "invalid-request"));
  EXPECT_TRUE(is_problem(c.post_json("/v1/demo/race", {{"pairs", 0}}), 400, "invalid-request"));
  EXPECT_TRUE(
      is_problem(c.post_json("/v1/demo/race", {{"architecture", "nope"}}), 400, "invalid-request"));
  EXPECT_TRUE(
      is_problem(c.post_json("/v1/demo/reconcile", {{"plant", "x"}}), 400, "invalid-request"));
  EXPECT_TRUE(is_problem(c.post_json("/v1/demo/crash", json::object()), 400, "invalid-request"));
  EXPECT_TRUE(is_problem(c.get("/v1/demo/runs/d-999"), 404, "not-found"));

  {  // slow pay: the branches seen PREPARED, then COMMITTED; one run at a time.
    auto started = c.post_json("/v1/demo/slow-pay", {{"step_ms", 300}});
    ASSERT_EQ(started.status, 202);
    EXPECT_TRUE(is_problem(c.post_json("/v1/demo/race", json::object()), 409, "demo-busy"));
    json run;
    for (int i = 0; i < 300; ++i) {
      run = c.get("/v1/demo/runs/" + started.json()["run_id"].get<std::string>()).json();
      if (run["status"] != "running") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(run["status"], "succeeded") << steps(run);
    std::vector<std::string> points;
    for (const auto& e : run["events"]) {
      if (e["step"] != "branch_state") continue;
      points.push_back(e["data"]["point"]);
      if (e["data"]["point"] == "after_prepare_all") {
        for (const auto& b : e["data"]["branches"])
          EXPECT_EQ(b["state"], "PREPARED") << steps(run);
      }
    }
    EXPECT_EQ(points, (std::vector<std::string>{"before_prepare", "after_prepare_all",
                                                "after_decision_logged", "after_commit_all"}));
    EXPECT_EQ(run["result"]["state"], "COMMITTED");
    auto txn = c.get("/v1/transactions/" + run["result"]["txn_id"].get<std::string>()).json();
    for (const auto& b : txn["branches"])
      EXPECT_EQ(b["state"], "COMMITTED");
  }
  {  // the race: every pair one of the two contract outcomes, nothing left over.
    json run = run_to_end(c, "race", {{"pairs", 10}});
    ASSERT_EQ(run["status"], "succeeded") << steps(run);
    const json& o = run["result"]["outcomes"];
    EXPECT_EQ(o["pay_first"].get<int>() + o["cancel_first"].get<int>(), 10) << o;
    EXPECT_EQ(o["unexpected"], 0);
    EXPECT_EQ(run["result"]["permanent_anomalies"], 0);
  }
  // reconcile: each planted discrepancy is found; a clean account is clean.
  for (const char* plant :
       {"none", "paid_without_payment", "captured_without_paid", "balance_off"}) {
    json run = run_to_end(c, "reconcile", {{"plant", plant}});
    EXPECT_EQ(run["status"], "succeeded") << plant << "\n" << steps(run);
    EXPECT_EQ(run["result"]["found_planted"], true) << plant;
    EXPECT_EQ(run["result"]["exit_code"], std::string(plant) == "none" ? 0 : 1) << plant;
  }
  // crash: a child killed after the decision commits on recovery; before it, rolls back.
  for (auto [point, outcome] : {std::pair{"after_decision_logged", "committed"},
                                std::pair{"after_prepare_all", "rolled_back"}}) {
    json run = run_to_end(c, "crash", {{"point", point}, {"retry_with_same_key", true}});
    ASSERT_EQ(run["status"], "succeeded") << point << "\n" << steps(run);
    EXPECT_EQ(run["result"]["outcome"], outcome);
    EXPECT_EQ(run["result"]["invariants_hold"], true);
    EXPECT_GE(run["result"]["prepared_left"].get<int>(), 1) << point;
  }
}

}  // namespace
}  // namespace xacoord::test
