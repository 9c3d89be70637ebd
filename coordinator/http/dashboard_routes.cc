#include "coordinator/http/dashboard_routes.h"

#include <array>
#include <string>

#include <nlohmann/json.hpp>

#include "coordinator/http/dashboard_assets.h"
#include "protocol/api_types.h"

namespace xacoord::http {

namespace asio = boost::asio;

namespace {

constexpr std::array<ApiRoute, 4> kRoutes{{
    {"GET", "/", "dashboard.page"},
    {"GET", "/ui/{asset}", "dashboard.asset"},
    {"GET", "/favicon.ico", "dashboard.favicon"},
    {"GET", "/v1/routes", "routes.list"},
}};

// The page may load only what this server sends: the contract's "nothing fetched from
// elsewhere", enforced by the browser.
constexpr std::string_view kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const DashboardAsset* find_asset(std::string_view path) {
  for (const auto& a : dashboard_assets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

Response serve(const DashboardAsset& a) {
  Response r = Response::text(200, std::string(a.body), std::string(a.content_type));
  r.headers.emplace_back("Cache-Control", std::string(a.cache_control));
  r.headers.emplace_back("ETag", std::string(a.etag));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (a.content_type.starts_with("text/html")) {
    r.headers.emplace_back("Content-Security-Policy", std::string(kPagePolicy));
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  return r;
}

Response serve_path(std::string_view path) {
  const DashboardAsset* a = find_asset(path);
  if (!a) {
    throw ProblemError(problems::not_found(
        "no dashboard asset " + std::string(path.substr(0, 200)) +
        " in this build (asset names change with their content: reload the page)"));
  }
  return serve(*a);
}

}  // namespace

std::span<const ApiRoute> dashboard_route_table() {
  return kRoutes;
}

void add_dashboard_routes(Router& router) {
  for (const auto& route : kRoutes) {
    Handler handler;
    if (route.name == "dashboard.page" || route.name == "dashboard.favicon") {
      handler = [path = std::string(route.pattern)](const Request&, const ParsedTarget&,
                                                    const Params&) -> asio::awaitable<Response> {
        co_return serve_path(path);
      };
    } else if (route.name == "dashboard.asset") {
      handler = [](const Request&, const ParsedTarget&,
                   const Params& p) -> asio::awaitable<Response> {
        co_return serve_path("/ui/" + p[0]);
      };
    } else {
      handler = [&router](const Request&, const ParsedTarget&,
                          const Params&) -> asio::awaitable<Response> {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& r : router.routes())
          list.push_back({{"method", r.method}, {"pattern", r.pattern}, {"name", r.name}});
        co_return Response::json(200, api::dump(nlohmann::json{{"routes", list}}));
      };
    }
    router.add(std::string(route.method), std::string(route.pattern), std::string(route.name),
               std::move(handler));
  }
}

}  // namespace xacoord::http
