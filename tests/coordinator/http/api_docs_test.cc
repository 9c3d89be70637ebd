// docs/openapi.yaml and docs/api.md describe exactly the routes the server has
// (api_route_table(), dashboard_route_table() and demo_route_table(), which is what
// add_api_routes, add_dashboard_routes and Demo::add_routes register) and every problem type the
// code can answer with (problems::catalogue()).
#include <gtest/gtest.h>

#include "coordinator/demo/demo.h"
#include "coordinator/http/api_route_table.h"
#include "coordinator/http/dashboard_routes.h"
#include "protocol/problem.h"
#include "tests/coordinator/http/openapi_routes.h"
#include "tests/support/test_env.h"

namespace xacoord::test {
namespace {

std::set<Operation> served_routes() {
  std::set<Operation> out;
  for (const auto& route : http::api_route_table())
    out.emplace(std::string(route.method), std::string(route.pattern));
  for (const auto& route : http::dashboard_route_table())
    out.emplace(std::string(route.method), std::string(route.pattern));
  for (const auto& route : demo::demo_route_table())
    out.emplace(std::string(route.method), std::string(route.pattern));
  return out;
}

class ApiDocsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    openapi_ = read_text_file(source_dir() + "/docs/openapi.yaml");
    guide_ = read_text_file(source_dir() + "/docs/api.md");
    ASSERT_FALSE(openapi_.empty()) << "docs/openapi.yaml is missing";
    ASSERT_FALSE(guide_.empty()) << "docs/api.md is missing";
  }
  std::string openapi_;
  std::string guide_;
};

TEST_F(ApiDocsTest, TheParserReadsPathsAndMethodsOnly) {
  auto ops = openapi_operations(
      "openapi: 3.1.0\n"
      "paths:\n"
      "  /a/{id}:\n"
      "    get:\n"
      "      responses:\n"
      "        post:\n"  // deeper: not an operation
      "    post:\n"
      "  /b:\n"
      "    delete:\n"
      "components:\n"
      "  /c:\n"
      "    get:\n");
  EXPECT_EQ(ops, (std::set<Operation>{{"GET", "/a/{id}"}, {"POST", "/a/{id}"}, {"DELETE", "/b"}}));
}

TEST_F(ApiDocsTest, OpenApiListsExactlyTheServedRoutes) {
  EXPECT_EQ(openapi_.rfind("openapi: 3.1.", 0), 0u) << "an OpenAPI 3.1 document";
  auto documented = openapi_operations(openapi_);
  auto served = served_routes();
  for (const auto& op : served)
    EXPECT_TRUE(documented.count(op)) << op.first << " " << op.second << " is not documented";
  for (const auto& op : documented)
    EXPECT_TRUE(served.count(op)) << op.first << " " << op.second << " is not served";
}

TEST_F(ApiDocsTest, TheGuideNamesEveryRoute) {
  for (const auto& [method, path] : served_routes()) {
    EXPECT_NE(guide_.find(method + " " + path), std::string::npos)
        << method << " " << path << " is not in docs/api.md";
  }
}

TEST_F(ApiDocsTest, EveryProblemTypeIsDocumentedInBoth) {
  for (const auto& kind : problems::catalogue()) {
    const std::string type = "/problems/" + std::string(kind.slug);
    EXPECT_NE(openapi_.find(type), std::string::npos) << type << " is not in docs/openapi.yaml";
    EXPECT_NE(guide_.find("`" + type + "`"), std::string::npos) << type << " is not in docs/api.md";
  }
}

TEST_F(ApiDocsTest, TheGuideStatesTheLimitsAndFlags) {
  for (const char* text :
       {"--idempotency-retention", "--http-read-timeout", "--max-connections", "--shutdown-grace",
        "64 KiB", "Idempotency-Key", "Retry-After", "Idempotent-Replayed"}) {
    EXPECT_NE(guide_.find(text), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace xacoord::test
