// The shipped alert rules with the real servers end to end: a coordinator on a private
// MariaDB pair, scraped by Debian's Prometheus with compose/prometheus/rules/ loaded,
// alerting through Debian's Alertmanager to a webhook in this test.
//
// A pay stalls right after its commit decision is logged; meanwhile the payments server
// is SIGSTOPped, so the XA COMMIT there runs into --read-timeout-seconds and the branch
// goes to recovery, which cannot finish it while the server is paused. After
// --stuck-after the branch counts as stuck: XacoordBranchesStuck must reach the webhook
// as firing, and, once the server is resumed and recovery has committed the branch, as
// resolved.
#include <gtest/gtest.h>

#include "tests/coordinator/recovery/recovery_fixture.h"
#include "tests/ops/alerting_stack.h"
#include "tests/ops/webhook_receiver.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

using std::chrono::seconds;

std::string dump_all(const WebhookReceiver& webhook) {
  std::string out;
  for (const auto& n : webhook.received())
    out += n.dump() + "\n";
  return out.empty() ? "(no notification)" : out;
}

TEST(AlertingEndToEnd, AStuckBranchAlertsAtTheWebhookAndResolves) {
  // Prometheus first, scraping the port the coordinator will listen on: it looks at new
  // targets only every 5 s, and that wait then overlaps the start of the MariaDB pair.
  CoordinatorOptions options;
  options.port = free_port();
  const std::string instance = "127.0.0.1:" + std::to_string(options.port);
  WebhookReceiver webhook;
  auto stack = AlertingStack::start({instance, webhook.url()});

  auto pair = DbPair::start_private();
  options.orders_url = pair->orders_url();
  options.payments_url = pair->payments_url();
  options.node_id = unique_node_id("al");
  options.stall_at = "after_decision_logged";
  options.stall_ms = 1500;
  // After quick_recovery_flags(), so these win: a statement on the paused server fails
  // within seconds, and a branch in doubt for a second is stuck.
  auto coordinator = start_ready(options, {"--read-timeout-seconds", "1", "--stuck-after", "1s"});
  ASSERT_TRUE(stack->wait_target_up(seconds(15))) << stack->diagnostics();

  auto client = coordinator->client();
  auto account = open_account(client, "alert", 10'000);
  auto order_id = create_order(client, account, 1'000);
  auto reply = pay_async(*coordinator, order_id, "k-" + account);
  ASSERT_TRUE(coordinator->wait_for_log("\"stall_point\"")) << coordinator->log_text();
  pair->pause("payments");

  auto answer = reply.get();
  EXPECT_EQ(answer.status, 200) << answer.body;  // decided: the rest is recovery's job
  auto stuck = [](const char* status) {
    return
        [status](const nlohmann::json& n) { return has_alert(n, "XacoordBranchesStuck", status); };
  };
  auto firing = webhook.wait_for(stuck("firing"), seconds(20));
  ASSERT_FALSE(firing.is_null()) << dump_all(webhook) << stack->diagnostics()
                                 << coordinator->log_text();
  const auto& alert = firing["alerts"][0];
  EXPECT_EQ(alert["labels"]["instance"], instance);
  EXPECT_EQ(alert["labels"]["job"], "xacoord");
  EXPECT_EQ(alert["labels"]["severity"], "warning");
  EXPECT_EQ(alert["annotations"]["runbook_url"], "docs/operations.md#xacoordbranchesstuck");
  EXPECT_EQ(alert["annotations"]["summary"], "1 XA branch(es) stuck in doubt on " + instance);
  // Nothing resolved while the server is still paused.
  EXPECT_TRUE(webhook.wait_for(stuck("resolved"), seconds(0)).is_null()) << dump_all(webhook);

  pair->resume("payments");
  auto resolved = webhook.wait_for(stuck("resolved"), seconds(20));
  ASSERT_FALSE(resolved.is_null())
      << dump_all(webhook) << stack->diagnostics() << coordinator->log_text();
  EXPECT_EQ(order_status_in_db(*pair, order_id), "PAID");
  EXPECT_TRUE(eventually([&] {
    return prepared_of_node(*pair, "payments", options.node_id).empty() &&
           prepared_of_node(*pair, "orders", options.node_id).empty();
  }));
}

}  // namespace
}  // namespace xacoord::test
