// Between Boost.Beast's messages and the plain Request/Response the router works with.
// Kept apart from the server so the fuzzer can drive Beast's parser and the router
// without a socket.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "coordinator/http/message.h"

namespace xacoord::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

// The parts of a parsed request the routes use. Moves the body out of `request`.
Request request_from(BeastRequest& request);

// The response as Beast sends it: Server, Content-Type, the extra headers, Content-Length,
// and Connection: keep-alive or close as `keep_alive` says.
BeastResponse to_beast(const Response& response, unsigned version, bool keep_alive);

}  // namespace xacoord::http
