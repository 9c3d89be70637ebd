// Microbenchmarks of request routing: target parsing and the route table lookup for the
// hottest route (pay), and a 404 that walks every route.
//   build/bench/http_bench --benchmark_min_time=0.2
#include <utility>

#include <benchmark/benchmark.h>

#include "coordinator/http/api_route_table.h"
#include "coordinator/http/router.h"

namespace xacoord::http {
namespace {

Router table_router() {
  Router router;
  for (const auto& route : api_route_table()) {
    router.add(
        std::string(route.method), std::string(route.pattern), std::string(route.name),
        [](const Request&, const ParsedTarget&, const Params&) -> boost::asio::awaitable<Response> {
          co_return Response::json(200, "{}");
        });
  }
  return router;
}

void RoutePay(benchmark::State& state) {
  Router router = table_router();
  for (auto _ : state) {
    auto target = parse_target("/v1/orders/123456/pay");
    benchmark::DoNotOptimize(router.match("POST", target->segments));
  }
}
BENCHMARK(RoutePay);

void RouteUnknownPath(benchmark::State& state) {
  Router router = table_router();
  for (auto _ : state) {
    auto target = parse_target("/v1/nothing/here?x=1");
    benchmark::DoNotOptimize(router.match("GET", target->segments));
  }
}
BENCHMARK(RouteUnknownPath);

void ParseTargetWithQuery(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(parse_target("/v1/transactions?state=in_doubt&limit=100"));
}
BENCHMARK(ParseTargetWithQuery);

}  // namespace
}  // namespace xacoord::http
