// Routing: method and path pattern to handler. Unknown paths are 404 (no-route), known
// paths with another method 405 (with Allow), and a handler that throws becomes its
// problem answer: a ProblemError its own status, anything else a 500 — never a dropped
// connection.
#pragma once

#include <functional>
#include <string>
#include <utility>  // before awaitable.hpp, which uses std::exchange without including it
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "coordinator/http/message.h"

namespace xacoord::http {

// The values of a route's "{}" segments, in order.
using Params = std::vector<std::string>;
using Handler = std::function<boost::asio::awaitable<Response>(const Request&, const ParsedTarget&,
                                                               const Params&)>;

struct RouteInfo {
  std::string method;
  std::string pattern;  // e.g. /v1/orders/{order_id}/pay
  std::string name;     // metrics label, e.g. orders.pay
};

class Router {
 public:
  // `pattern` segments in braces ("{order_id}") match any one segment.
  void add(std::string method, std::string pattern, std::string name, Handler handler);

  struct Match {
    const RouteInfo* route = nullptr;  // null: no route for this method and path
    Params params;
    std::string allow;  // for 405: the methods this path accepts
  };
  Match match(const std::string& method, const std::vector<std::string>& segments) const;

  // Answers one request; never throws. `route_name` receives the matched route's name
  // (or "unmatched") for metrics.
  boost::asio::awaitable<Response> handle(const Request& request, std::string& route_name) const;

  std::vector<RouteInfo> routes() const;

 private:
  struct Route {
    RouteInfo info;
    std::vector<std::string> segments;  // "" for a parameter
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace xacoord::http
