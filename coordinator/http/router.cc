#include "coordinator/http/router.h"

#include "coordinator/observability/event_log.h"

namespace xacoord::http {

namespace asio = boost::asio;

void Router::add(std::string method, std::string pattern, std::string name, Handler handler) {
  Route route{{std::move(method), pattern, std::move(name)}, {}, std::move(handler)};
  auto parsed = parse_target(pattern);
  for (const auto& s : parsed->segments)
    route.segments.push_back(s.starts_with('{') ? "" : s);
  routes_.push_back(std::move(route));
}

Router::Match Router::match(const std::string& method,
                            const std::vector<std::string>& segments) const {
  Match result;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    Params params;
    bool same_path = true;
    for (std::size_t i = 0; i < segments.size() && same_path; ++i) {
      if (route.segments[i].empty()) {
        if (segments[i].empty()) same_path = false;
        params.push_back(segments[i]);
      } else if (route.segments[i] != segments[i]) {
        same_path = false;
      }
    }
    if (!same_path) continue;
    if (route.info.method == method) {
      result.route = &route.info;
      result.params = std::move(params);
      return result;
    }
    if (result.allow.find(route.info.method) == std::string::npos) {
      result.allow += (result.allow.empty() ? "" : ", ") + route.info.method;
    }
  }
  return result;
}

asio::awaitable<Response> Router::handle(const Request& request, std::string& route_name) const {
  route_name = "unmatched";
  auto target = parse_target(request.target);
  if (!target)
    co_return Response::problem(problems::bad_request("the request target is not a valid path"));
  Match m = match(request.method, target->segments);
  if (!m.route) {
    if (!m.allow.empty()) {
      Response r = Response::problem(problems::method_not_allowed(
          request.method + " is not allowed here; allowed: " + m.allow));
      r.headers.emplace_back("Allow", m.allow);
      co_return r;
    }
    co_return Response::problem(
        problems::no_route("no route for " + request.method + " " + request.target.substr(0, 200)));
  }
  route_name = m.route->name;
  const Handler* handler = nullptr;
  for (const auto& r : routes_) {
    if (&r.info == m.route) handler = &r.handler;
  }
  Problem failure;
  try {
    co_return co_await (*handler)(request, *target, m.params);
  } catch (const ProblemError& e) {
    failure = e.problem();
  } catch (const std::exception& e) {
    log_event("handler_failed", {{"route", route_name}, {"error", e.what()}});
    failure = problems::internal(e.what());
  }
  co_return Response::problem(failure);
}

std::vector<RouteInfo> Router::routes() const {
  std::vector<RouteInfo> out;
  for (const auto& r : routes_)
    out.push_back(r.info);
  return out;
}

}  // namespace xacoord::http
