// libFuzzer target: the HTTP request path of the coordinator, without sockets or databases.
//
// The first input byte picks a mode; the rest is the input:
//   0-3  raw bytes -> Beast's request parser (the server's limits) -> Request ->
//        Router over the real route table, with stub handlers that run the real
//        validators of each route -> Response -> Beast response
//   4    parse_target, then Router::match for every method
//   5    api::CreateAccountRequest::parse
//   6    api::CreateOrderRequest::parse
//   7    path segments and headers: parse_order_id, parse_account_id, parse_txn_id,
//        valid_idempotency_key, is_json_media_type, parse_force_reason
//
// What must hold, whatever the bytes: nothing crashes, throws out of the router or leaks;
// a validator either accepts or throws ProblemError with a 4xx; the router never answers
// a client's mistake with a 500; every problem answer is well-formed problem+json.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>  // before Asio's awaitable.hpp, which uses std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

#include "coordinator/http/api_route_table.h"
#include "coordinator/http/beast_message.h"
#include "coordinator/http/router.h"
#include "coordinator/observability/event_log.h"
#include "protocol/api_types.h"
#include "protocol/fingerprint.h"
#include "protocol/problem.h"

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using namespace xacoord;
using namespace xacoord::http;

// The server's limits (coordinator/http/server.h defaults).
constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kBodyLimit = 64 * 1024;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "http_request_fuzzer: %s\n", what.c_str());
  std::abort();
}

// A validator may accept, or refuse with a 4xx problem; nothing else.
template <typename Fn>
void expect_accepted_or_4xx(const char* name, Fn fn) {
  try {
    fn();
  } catch (const ProblemError& e) {
    int status = e.problem().status;
    if (status < 400 || status > 499)
      fail(std::string(name) + " answered " + std::to_string(status));
    if (e.problem().detail.empty()) fail(std::string(name) + " refused without a detail");
  }
}

asio::awaitable<Response> ok() {
  co_return Response::json(200, "{}");
}

// Stub handlers: each runs the validation its real handler runs (coordinator/http/
// api_routes.cc) before the domain would be called, then answers 200.
Handler stub_for(std::string_view name) {
  auto require_json = [](const Request& r) {
    if (!r.content_type || !api::is_json_media_type(*r.content_type))
      throw ProblemError(problems::unsupported_media_type("not JSON"));
  };
  auto key = [](const Request& r) {
    if (r.idempotency_key && !api::valid_idempotency_key(*r.idempotency_key))
      throw ProblemError(problems::bad_request("bad Idempotency-Key"));
    if (r.idempotency_key) request_fingerprint(r.method, r.target, r.body);
  };
  if (name == "accounts.create") {
    return [require_json](const Request& r, const ParsedTarget&, const Params&) {
      require_json(r);
      api::dump(api::to_json(api::Account{api::CreateAccountRequest::parse(r.body).account_id, 0}));
      return ok();
    };
  }
  if (name == "orders.create") {
    return [require_json](const Request& r, const ParsedTarget&, const Params&) {
      require_json(r);
      api::CreateOrderRequest::parse(r.body);
      return ok();
    };
  }
  if (name == "accounts.get") {
    return [](const Request&, const ParsedTarget&, const Params& p) {
      api::parse_account_id(p.at(0));
      return ok();
    };
  }
  if (name == "orders.get") {
    return [](const Request&, const ParsedTarget&, const Params& p) {
      api::parse_order_id(p.at(0));
      return ok();
    };
  }
  if (name == "orders.pay" || name == "orders.cancel") {
    return [key](const Request& r, const ParsedTarget&, const Params& p) {
      api::parse_order_id(p.at(0));
      key(r);
      return ok();
    };
  }
  if (name == "transactions.get") {
    return [](const Request&, const ParsedTarget&, const Params& p) {
      api::parse_txn_id(p.at(0));
      return ok();
    };
  }
  if (name == "transactions.list") {
    return [](const Request&, const ParsedTarget& t, const Params&) {
      api::TransactionQuery::parse(t.query);
      return ok();
    };
  }
  if (name == "admin.commit" || name == "admin.rollback") {
    return [](const Request& r, const ParsedTarget&, const Params& p) {
      api::parse_txn_id(p.at(0));
      api::parse_force_reason(r.body);
      return ok();
    };
  }
  return [](const Request&, const ParsedTarget&, const Params&) { return ok(); };
}

const Router& router() {
  static const Router* instance = [] {
    auto* r = new Router();
    for (const auto& route : api_route_table()) {
      r->add(std::string(route.method), std::string(route.pattern), std::string(route.name),
             stub_for(route.name));
    }
    return r;
  }();
  return *instance;
}

void check_response(const Response& response) {
  if (response.status == 500) fail("a client's request was answered 500: " + response.body);
  if (response.status < 200 || response.status > 599) fail("bad status");
  if (response.content_type == "application/problem+json") {
    auto j = nlohmann::json::parse(response.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) fail("problem body is not a JSON object");
    for (const char* field : {"type", "title", "detail"}) {
      if (!j.contains(field) || !j[field].is_string())
        fail(std::string("problem without ") + field);
    }
    if (!j.contains("status") || j["status"] != response.status) fail("problem status mismatch");
  }
  // Serialising the answer must work for every answer the router gives.
  to_beast(response, 11, true);
}

void route(Request request) {
  static asio::io_context io;
  std::string route_name;
  bool done = false;
  asio::co_spawn(io, router().handle(request, route_name),
                 [&done](std::exception_ptr error, Response response) {
                   if (error) fail("Router::handle threw");
                   check_response(response);
                   done = true;
                 });
  io.restart();
  io.run();
  if (!done) fail("Router::handle did not complete");
}

void fuzz_http(std::string_view input) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(kHeaderLimit));
  parser.body_limit(kBodyLimit);
  parser.eager(true);
  boost::system::error_code ec;
  // As from a socket: the bytes arrive in pieces (sizes taken from the input) and the
  // parser sees everything received and not yet consumed, as with the server's buffer.
  std::size_t received = 0, used = 0;
  while (!parser.is_done()) {
    if (received < input.size()) {
      std::size_t piece = 1 + (static_cast<unsigned char>(input[received]) & 0x3f) * 64;
      received = std::min(input.size(), received + piece);
    }
    std::size_t n = parser.put(asio::buffer(input.data() + used, received - used), ec);
    used += n;
    if (ec == bhttp::error::need_more) {
      ec = {};
      if (received == input.size()) break;
      continue;
    }
    if (ec || (received == input.size() && (n == 0 || used == received))) break;
  }
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return;  // the server answers 400/413/431 and closes
  route(request_from(parser.get()));
}

void fuzz_target(std::string_view input) {
  auto target = parse_target(std::string(input));
  if (!target) return;
  for (const char* method : {"GET", "POST", "PUT", "DELETE"}) {
    auto match = router().match(method, target->segments);
    if (match.route && match.route->method != method) fail("matched another method");
    if (!match.route && !match.allow.empty() && match.allow.find(method) != std::string::npos)
      fail("405 allows the method it refused");
  }
  expect_accepted_or_4xx("TransactionQuery", [&] { api::TransactionQuery::parse(target->query); });
}

void fuzz_fields(std::string_view input) {
  expect_accepted_or_4xx("parse_order_id", [&] { api::parse_order_id(input); });
  expect_accepted_or_4xx("parse_account_id", [&] { api::parse_account_id(input); });
  expect_accepted_or_4xx("parse_txn_id", [&] { api::parse_txn_id(input); });
  expect_accepted_or_4xx("parse_force_reason", [&] { api::parse_force_reason(input); });
  if (api::valid_idempotency_key(input)) {
    if (input.empty() || input.size() > api::kMaxIdempotencyKeyBytes) fail("bad key accepted");
  }
  api::is_json_media_type(input);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  set_event_log_enabled(false);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] & 7) {
    case 4:
      fuzz_target(input);
      break;
    case 5:
      expect_accepted_or_4xx("CreateAccountRequest",
                             [&] { api::CreateAccountRequest::parse(input); });
      break;
    case 6:
      expect_accepted_or_4xx("CreateOrderRequest", [&] { api::CreateOrderRequest::parse(input); });
      break;
    case 7:
      fuzz_fields(input);
      break;
    default:
      fuzz_http(input);
      break;
  }
  return 0;
}
