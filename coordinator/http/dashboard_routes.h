// The dashboard (docs/dashboard.md) and the route list it reads first:
//   GET /              the page (ui/, compiled into the binary)
//   GET /ui/{asset}    its script and stylesheet, under content-hashed names
//   GET /favicon.ico
//   GET /v1/routes     every route this server has (method, pattern, name), so the page
//                      calls no route the coordinator lacks
// Like api_route_table(), the table is what add_dashboard_routes registers, and the docs
// test holds docs/openapi.yaml to both.
#pragma once

#include <span>

#include "coordinator/http/api_route_table.h"
#include "coordinator/http/router.h"

namespace xacoord::http {

std::span<const ApiRoute> dashboard_route_table();

// Adds every route of dashboard_route_table() to `router`. GET /v1/routes lists what
// `router` holds when it is asked, so the routes added after this call are listed too;
// `router` must outlive the server.
void add_dashboard_routes(Router& router);

}  // namespace xacoord::http
