// Every route the API serves, as data: method, path pattern, metrics name, and whether it
// is an admin route (served only with --admin-token). add_api_routes binds a handler to
// each row and to nothing else, so this table is exactly what the server routes; the
// docs test holds docs/openapi.yaml to it, and the fuzzer routes over it.
#pragma once

#include <span>
#include <string_view>

namespace xacoord::http {

struct ApiRoute {
  std::string_view method;
  std::string_view pattern;  // "{name}" segments match any one segment
  std::string_view name;     // the route label of the HTTP metrics
  bool admin = false;
};

std::span<const ApiRoute> api_route_table();

}  // namespace xacoord::http
