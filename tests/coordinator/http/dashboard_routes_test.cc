// The dashboard's routes on their own (coordinator/http/dashboard_routes.cc): the page,
// its hashed assets with their types and caching, the favicon, 404 for an unknown asset,
// and GET /v1/routes listing every route of the router. No sockets.
#include "coordinator/http/dashboard_routes.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "coordinator/http/dashboard_assets.h"
#include "coordinator/observability/event_log.h"

namespace xacoord::http {
namespace {

namespace asio = boost::asio;

std::string header(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

class DashboardRoutesTest : public ::testing::Test {
 protected:
  DashboardRoutesTest() {
    set_event_log_enabled(false);
    add_dashboard_routes(router_);
    // Added after the dashboard's: GET /v1/routes must list it all the same.
    router_.add(
        "GET", "/v1/later", "later",
        [](const Request&, const ParsedTarget&, const Params&) -> asio::awaitable<Response> {
          co_return Response::json(200, "{}");
        });
  }

  Response get(std::string target, std::string method = "GET") {
    asio::io_context io;
    Request request;
    request.method = std::move(method);
    request.target = std::move(target);
    std::string name;
    Response out;
    asio::co_spawn(io, router_.handle(request, name), [&](std::exception_ptr e, Response r) {
      EXPECT_FALSE(e);
      out = std::move(r);
    });
    io.run();
    return out;
  }

  // The path of the built asset whose type starts with `type`.
  std::string asset_path(std::string_view type) {
    for (const auto& a : dashboard_assets()) {
      if (a.content_type.starts_with(type) && a.path.starts_with("/ui/"))
        return std::string(a.path);
    }
    ADD_FAILURE() << "no " << type << " asset was built";
    return "/ui/none";
  }

  Router router_;
};

TEST_F(DashboardRoutesTest, ThePageNamesItsAssetsAndLoadsNothingFromElsewhere) {
  auto r = get("/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
  EXPECT_NE(header(r, "ETag"), "");
  EXPECT_NE(header(r, "Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  EXPECT_NE(r.body.find("src=\"" + asset_path("text/javascript") + "\""), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("href=\"" + asset_path("text/css") + "\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("href=\"/favicon.ico\""), std::string::npos);
  EXPECT_EQ(r.body.find("http"), std::string::npos) << "no absolute URL in the page";
}

TEST_F(DashboardRoutesTest, AssetsHaveTheirTypeAndAreCachedForGoodUnderTheirHashedNames) {
  for (std::string_view type : {"text/javascript", "text/css"}) {
    auto r = get(asset_path(type));
    ASSERT_EQ(r.status, 200) << type;
    EXPECT_TRUE(r.content_type.starts_with(type)) << r.content_type;
    EXPECT_EQ(header(r, "Cache-Control"), "public, max-age=31536000, immutable");
    EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
    EXPECT_GT(r.body.size(), 1000u);
  }
  auto icon = get("/favicon.ico");
  ASSERT_EQ(icon.status, 200);
  EXPECT_EQ(icon.content_type, "image/x-icon");
  ASSERT_GT(icon.body.size(), 22u);
  EXPECT_EQ(icon.body.substr(0, 4), std::string("\0\0\1\0", 4)) << "an ICO header";
}

TEST_F(DashboardRoutesTest, AnUnknownAssetIsA404ProblemAndOtherMethodsA405) {
  auto r = get("/ui/app-OLD.js");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(nlohmann::json::parse(r.body)["type"], "/problems/not-found");
  EXPECT_EQ(get("/ui/a/b").status, 404);
  EXPECT_EQ(get("/", "POST").status, 405);
}

TEST_F(DashboardRoutesTest, RoutesListsEveryRouteOfTheRouter) {
  auto r = get("/v1/routes");
  ASSERT_EQ(r.status, 200);
  auto routes = nlohmann::json::parse(r.body)["routes"];
  std::set<std::string> listed;
  for (const auto& x : routes)
    listed.insert(x["method"].get<std::string>() + " " + x["pattern"].get<std::string>());
  for (const auto& route : dashboard_route_table())
    EXPECT_TRUE(listed.count(std::string(route.method) + " " + std::string(route.pattern)));
  EXPECT_TRUE(listed.count("GET /v1/later"));
  EXPECT_EQ(listed.size(), dashboard_route_table().size() + 1);
}

}  // namespace
}  // namespace xacoord::http
