// The router on its own: matching, parameters, 404 and 405, and handler failures turned
// into problems. Stub handlers, no sockets.
#include "coordinator/http/router.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "coordinator/observability/event_log.h"

namespace xacoord::http {
namespace {

namespace asio = boost::asio;

Handler echo(std::string name) {
  return
      [name](const Request&, const ParsedTarget& t, const Params& p) -> asio::awaitable<Response> {
        nlohmann::json body{{"route", name}, {"params", p}, {"query", t.query}};
        co_return Response::json(200, body.dump());
      };
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    set_event_log_enabled(false);
    router_.add("GET", "/v1/orders/{order_id}", "orders.get", echo("orders.get"));
    router_.add("POST", "/v1/orders/{order_id}/pay", "orders.pay", echo("orders.pay"));
    router_.add("POST", "/v1/orders", "orders.create", echo("orders.create"));
    router_.add("DELETE", "/v1/orders/{order_id}", "orders.delete", echo("orders.delete"));
    router_.add(
        "GET", "/refuses", "refuses",
        [](const Request&, const ParsedTarget&, const Params&) -> asio::awaitable<Response> {
          throw ProblemError(problems::order_not_payable("order 1 is PAID"));
          co_return Response{};
        });
    router_.add(
        "GET", "/breaks", "breaks",
        [](const Request&, const ParsedTarget&, const Params&) -> asio::awaitable<Response> {
          throw std::out_of_range("a bug");
          co_return Response{};
        });
  }

  Response handle(std::string method, std::string target, std::string* route = nullptr) {
    asio::io_context io;
    Request request;
    request.method = std::move(method);
    request.target = std::move(target);
    std::string name;
    Response out;
    asio::co_spawn(io, router_.handle(request, name), [&](std::exception_ptr e, Response r) {
      EXPECT_FALSE(e) << "handle() must not throw";
      out = std::move(r);
    });
    io.run();
    if (route) *route = name;
    return out;
  }

  static nlohmann::json body(const Response& r) { return nlohmann::json::parse(r.body); }

  Router router_;
};

TEST_F(RouterTest, MatchesMethodAndPathAndPassesParameters) {
  std::string route;
  auto r = handle("POST", "/v1/orders/42/pay?x=1", &route);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(route, "orders.pay");
  EXPECT_EQ(body(r)["params"], nlohmann::json::array({"42"}));
  EXPECT_EQ(body(r)["query"]["x"], "1");
  // Parameters are percent-decoded; a trailing slash names the same resource.
  EXPECT_EQ(body(handle("GET", "/v1/orders/a%2Fb"))["params"][0], "a/b");
  EXPECT_EQ(body(handle("POST", "/v1/orders/"))["route"], "orders.create");
}

TEST_F(RouterTest, UnknownPathsAre404NoRoute) {
  std::string route;
  for (const char* target : {"/", "/v1", "/v1/orders/1/pay/x", "/v1/orders//pay", "/x?y=1"}) {
    auto r = handle("GET", target, &route);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.content_type, "application/problem+json");
    EXPECT_EQ(body(r)["type"], "/problems/no-route") << target;
    EXPECT_EQ(route, "unmatched");
  }
}

TEST_F(RouterTest, KnownPathsWithAnotherMethodAre405WithEveryAllowedMethod) {
  auto r = handle("PUT", "/v1/orders/7");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(body(r)["type"], "/problems/method-not-allowed");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Allow");
  EXPECT_EQ(r.headers[0].second, "GET, DELETE");
}

TEST_F(RouterTest, BadTargetsAre400) {
  for (const char* target : {"", "v1/orders", "*", "/v1/orders/%4", "/v1/orders/%zz", "/%00"}) {
    auto r = handle("GET", target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(body(r)["type"], "/problems/invalid-request") << target;
  }
}

TEST_F(RouterTest, HandlerFailuresBecomeProblems) {
  auto refused = handle("GET", "/refuses");
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(body(refused)["detail"], "order 1 is PAID");
  auto broken = handle("GET", "/breaks");
  EXPECT_EQ(broken.status, 500);
  EXPECT_EQ(body(broken)["type"], "/problems/internal");
}

TEST(ParseTarget, SplitsAndDecodes) {
  auto t = parse_target("/a/b%20c/?k=v+w&flag&=x&k2=%41");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->segments, (std::vector<std::string>{"a", "b c"}));
  EXPECT_EQ(t->query.at("k"), "v w");
  EXPECT_EQ(t->query.at("flag"), "");
  EXPECT_EQ(t->query.at("k2"), "A");
  EXPECT_EQ(t->query.count(""), 0u);
  EXPECT_FALSE(parse_target("/a?k=%"));
  EXPECT_FALSE(parse_target("http://host/a"));
}

}  // namespace
}  // namespace xacoord::http
