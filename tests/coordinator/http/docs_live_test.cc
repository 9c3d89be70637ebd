// Every operation docs/openapi.yaml lists answers on a running coordinator (with the
// admin routes and the demo flag on): none of them is a 404 no-route or a 405.
#include <gtest/gtest.h>

#include "coordinator/http/dashboard_assets.h"
#include "tests/coordinator/http/http_fixture.h"
#include "tests/coordinator/http/openapi_routes.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

// The name of the dashboard's script under /ui/ (it changes with its content).
std::string first_script_asset() {
  for (const auto& a : http::dashboard_assets()) {
    if (a.path.starts_with("/ui/")) return std::string(a.path.substr(4));
  }
  return "none";
}

TEST(DocsLiveTest, EveryDocumentedOperationAnswers) {
  auto pair = DbPair::shared();
  if (!pair) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  auto coordinator = start_coordinator(*pair, {"--admin-token", "docs", "--demo"});
  auto c = coordinator->client();
  auto account = open_account(c, "docs", 1'000);
  auto order = create_order(c, account, 10);
  auto paid = pay(c, order);
  ASSERT_EQ(paid.status, 200);
  const std::map<std::string, std::string> samples{
      {"{account_id}", account},
      {"{order_id}", std::to_string(order)},
      {"{txn_id}", paid.json()["txn_id"].get<std::string>()},
      {"{asset}", first_script_asset()},
      {"{run_id}", "d-1"}};

  auto operations = openapi_operations(read_text_file(source_dir() + "/docs/openapi.yaml"));
  ASSERT_GE(operations.size(), 12u);
  for (const auto& [method, pattern] : operations) {
    std::string target = pattern;
    for (const auto& [param, value] : samples) {
      if (auto at = target.find(param); at != std::string::npos)
        target.replace(at, param.size(), value);
    }
    ASSERT_EQ(target.find('{'), std::string::npos) << "no sample for " << pattern;
    auto reply = c.request(method, target, "", {{"Authorization", "Bearer docs"}});
    const std::string type = reply.json().is_object() ? reply.json().value("type", "") : "";
    EXPECT_NE(type, "/problems/no-route") << method << " " << target;
    EXPECT_NE(reply.status, 405) << method << " " << target;
    EXPECT_NE(reply.status, 500) << method << " " << target << ": " << reply.body;
  }
}

}  // namespace
}  // namespace xacoord::test
