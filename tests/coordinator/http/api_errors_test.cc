// Every class of bad input gets its 4xx with a problem body (RFC 9457), and the server
// stays healthy afterwards (checked after every test).
#include <gtest/gtest.h>

#include "tests/coordinator/http/http_fixture.h"
#include "tests/support/shop.h"

namespace xacoord::test {
namespace {

using std::chrono::seconds;

class ApiErrorsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pair_ = DbPair::shared();
    if (pair_) coordinator_ = start_coordinator(*pair_, {"--admin-token", "s3cret"});
  }
  static void TearDownTestSuite() {
    coordinator_.reset();
    pair_.reset();
  }
  void SetUp() override {
    if (!pair_) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
  }
  void TearDown() override {
    if (!pair_) return;
    EXPECT_TRUE(is_healthy(*coordinator_)) << coordinator_->log_text();
  }
  HttpClient client() { return coordinator_->client(seconds(10)); }
  std::uint16_t port() { return coordinator_->port(); }

  static std::unique_ptr<DbPair> pair_;
  static std::unique_ptr<CoordinatorProcess> coordinator_;
};
std::unique_ptr<DbPair> ApiErrorsTest::pair_;
std::unique_ptr<CoordinatorProcess> ApiErrorsTest::coordinator_;

const HttpHeaders kJson{{"Content-Type", "application/json"}};

TEST_F(ApiErrorsTest, BadAccountBodiesAre400) {
  auto c = client();
  const std::string long_id(65, 'a');
  for (const std::string& body : std::vector<std::string>{
           "", "{", "[]", "null", "\"text\"", R"({"balance_cents":1})", R"({"account_id":"a"})",
           R"({"account_id":5,"balance_cents":1})", R"({"account_id":"","balance_cents":1})",
           R"({"account_id":"a b","balance_cents":1})", R"({"account_id":"a/b","balance_cents":1})",
           R"({"account_id":"a","balance_cents":-1})", R"({"account_id":"a","balance_cents":1.5})",
           R"({"account_id":"a","balance_cents":"10"})",
           R"({"account_id":"a","balance_cents":null})",
           R"({"account_id":"a","balance_cents":1e30})",
           R"({"account_id":"a","balance_cents":18446744073709551615})",
           R"({"account_id":"a","balance_cents":1000000000001})",
           R"({"account_id":")" + long_id + R"(","balance_cents":1})"}) {
    auto reply = c.request("POST", "/v1/accounts", body, kJson);
    EXPECT_TRUE(is_problem(reply, 400, "invalid-request")) << body;
  }
}

TEST_F(ApiErrorsTest, DeeplyNestedJsonIsRefusedCalmly) {
  auto c = client();
  const int depth = 30'000;  // 60 KB: within the body limit
  std::string nested =
      "{\"account_id\":\"a\",\"x\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
  EXPECT_TRUE(is_problem(c.request("POST", "/v1/accounts", nested, kJson), 400, "invalid-request"));
  std::string unclosed = std::string(depth, '{');
  EXPECT_TRUE(is_problem(c.request("POST", "/v1/orders", unclosed, kJson), 400, "invalid-request"));
}

TEST_F(ApiErrorsTest, BadOrderBodiesAre400) {
  auto c = client();
  for (std::string body :
       {"{}", "{\"account_id\":\"a\",\"amount_cents\":0}",
        "{\"account_id\":\"a\",\"amount_cents\":-5}",
        "{\"account_id\":\"a\",\"amount_cents\":true}",
        "{\"account_id\":[\"a\"],\"amount_cents\":5}",
        "{\"account_id\":\"a\",\"amount_cents\":99999999999999999999999}", "not json at all"}) {
    auto reply = c.request("POST", "/v1/orders", body, kJson);
    EXPECT_TRUE(is_problem(reply, 400, "invalid-request")) << body;
  }
}

TEST_F(ApiErrorsTest, UnknownFieldsAreIgnored) {
  auto c = client();
  auto id = unique_name("extra");
  nlohmann::json body{{"account_id", id}, {"balance_cents", 5}, {"nickname", "x"}, {"n", {1, 2}}};
  auto reply = c.post_json("/v1/accounts", body);
  EXPECT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(reply.json(), (nlohmann::json{{"account_id", id}, {"balance_cents", 5}}));
}

TEST_F(ApiErrorsTest, JsonRoutesRefuseOtherMediaTypesWith415) {
  auto c = client();
  const std::string body = R"({"account_id":"a","balance_cents":1})";
  for (HttpHeaders headers : {HttpHeaders{}, HttpHeaders{{"Content-Type", "text/plain"}},
                              HttpHeaders{{"Content-Type", "application/jsonx"}},
                              HttpHeaders{{"Content-Type", "application/x-www-form-urlencoded"}}}) {
    EXPECT_TRUE(is_problem(c.request("POST", "/v1/accounts", body, headers), 415,
                           "unsupported-media-type"));
    EXPECT_TRUE(
        is_problem(c.request("POST", "/v1/orders", body, headers), 415, "unsupported-media-type"));
  }
  // Parameters and case do not matter.
  auto id = unique_name("media");
  auto reply = c.request("POST", "/v1/accounts",
                         nlohmann::json{{"account_id", id}, {"balance_cents", 1}}.dump(),
                         {{"Content-Type", "Application/JSON; charset=utf-8"}});
  EXPECT_EQ(reply.status, 201) << reply.body;
}

TEST_F(ApiErrorsTest, BadPathValuesAre400) {
  auto c = client();
  for (const char* target :
       {"/v1/orders/abc", "/v1/orders/0", "/v1/orders/-1", "/v1/orders/007",
        "/v1/orders/99999999999999999999", "/v1/orders/1.5", "/v1/orders/%31%",
        "/v1/accounts/a%20b", "/v1/accounts/%00", "/v1/transactions/not-a-txn",
        "/v1/transactions/1-2", "/v1/transactions/a-b-c", "http://example.com/healthz", "*"}) {
    EXPECT_TRUE(is_problem(c.get(target), 400, "invalid-request")) << target;
  }
  EXPECT_TRUE(is_problem(c.get("/v1/accounts/" + std::string(65, 'a')), 400, "invalid-request"));
  EXPECT_TRUE(
      is_problem(c.get("/v1/transactions/" + std::string(70, '1')), 400, "invalid-request"));
  EXPECT_TRUE(is_problem(c.request("POST", "/v1/orders/zero/pay"), 400, "invalid-request"));
  EXPECT_TRUE(is_problem(c.request("POST", "/v1/orders/-3/cancel"), 400, "invalid-request"));
}

TEST_F(ApiErrorsTest, BadTransactionQueriesAre400) {
  auto c = client();
  for (const char* target :
       {"/v1/transactions?state=bogus", "/v1/transactions?state=committed",
        "/v1/transactions?limit=0", "/v1/transactions?limit=1001", "/v1/transactions?limit=ten",
        "/v1/transactions?limit=", "/v1/transactions?limit=-1", "/v1/transactions?state=%zz"}) {
    EXPECT_TRUE(is_problem(c.get(target), 400, "invalid-request")) << target;
  }
  auto listed = c.get("/v1/transactions?state=in_doubt&limit=1000&unknown=ignored");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_TRUE(listed.json()["transactions"].is_array());
  EXPECT_EQ(listed.json()["count"], listed.json()["transactions"].size());
}

TEST_F(ApiErrorsTest, BadIdempotencyKeysAre400) {
  auto c = client();
  auto account = open_account(c, "badkey", 1'000);
  auto order = create_order(c, account, 100);
  for (const std::string& key : {std::string(129, 'k'), std::string("caf\xc3\xa9")}) {
    EXPECT_TRUE(is_problem(pay(c, order, key), 400, "invalid-request")) << key;
    EXPECT_TRUE(is_problem(cancel(c, order, key), 400, "invalid-request")) << key;
  }
  EXPECT_EQ(order_status(c, order), "PENDING") << "a refused request changed nothing";
}

TEST_F(ApiErrorsTest, UnknownRoutesAre404) {
  auto c = client();
  for (const char* target :
       {"/ui", "/nope", "/v1", "/v2/orders", "/v1/orders/1/refund", "/v1/orders/1/pay/now",
        "/v1/accounts/a/b", "/healthz/x", "/v1/admin/transactions/1-1-1"}) {
    EXPECT_TRUE(is_problem(c.get(target), 404, "no-route")) << target;
    EXPECT_TRUE(is_problem(c.request("POST", target), 404, "no-route")) << target;
  }
}

TEST_F(ApiErrorsTest, KnownPathsWithAnotherMethodAre405WithAllow) {
  auto c = client();
  struct Case {
    const char* method;
    const char* target;
    const char* allow;
  };
  for (const Case& k :
       {Case{"DELETE", "/v1/orders/1", "GET"}, Case{"GET", "/v1/orders/1/pay", "POST"},
        Case{"PUT", "/v1/accounts", "POST"}, Case{"POST", "/healthz", "GET"},
        Case{"PATCH", "/v1/transactions/1-1-1", "GET"}, Case{"GET", "/v1/orders", "POST"},
        Case{"DELETE", "/metrics", "GET"}}) {
    auto reply = c.request(k.method, k.target);
    EXPECT_TRUE(is_problem(reply, 405, "method-not-allowed")) << k.method << " " << k.target;
    EXPECT_EQ(reply.headers["allow"], k.allow) << k.method << " " << k.target;
  }
}

TEST_F(ApiErrorsTest, BodiesOverSixtyFourKibAre413) {
  // Exactly at the limit is fine (padded with an unknown field, which is ignored)...
  auto c = client();
  auto id = unique_name("big");
  std::string head = R"({"account_id":")" + id + R"(","balance_cents":1,"pad":")";
  std::string at_limit = head + std::string(64 * 1024 - head.size() - 2, 'x') + "\"}";
  ASSERT_EQ(at_limit.size(), 64u * 1024);
  EXPECT_EQ(c.request("POST", "/v1/accounts", at_limit, kJson).status, 201);
  // ...one byte more is not, however it is framed.
  std::string over = head + std::string(64 * 1024 - head.size() - 1, 'x') + "\"}";
  EXPECT_TRUE(is_problem(c.request("POST", "/v1/orders", over, kJson), 413, "payload-too-large"));

  RawConnection chunked(port());
  std::string request =
      "POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 80; ++i)
    request += "400\r\n" + std::string(1024, ' ') + "\r\n";
  request += "0\r\n\r\n";
  chunked.send(request);
  auto reply = chunked.read_response(seconds(10));
  ASSERT_TRUE(reply);
  EXPECT_TRUE(is_problem(*reply, 413, "payload-too-large"));
  EXPECT_TRUE(chunked.wait_closed(seconds(10)));

  // A client that waits for 100 Continue is told 413 before it sends the body.
  RawConnection polite(port());
  polite.send(
      "POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 10000000\r\nExpect: 100-continue\r\n\r\n");
  reply = polite.read_response(seconds(10));
  ASSERT_TRUE(reply);
  EXPECT_TRUE(is_problem(*reply, 413, "payload-too-large"));
}

TEST_F(ApiErrorsTest, ExpectContinueWithinTheLimitGetsContinue) {
  RawConnection polite(port());
  std::string body = R"({"account_id":")" + unique_name("cont") + R"(","balance_cents":7})";
  polite.send(
      "POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\nExpect: 100-continue\r\n\r\n");
  auto go_on = polite.read_response(seconds(10));
  ASSERT_TRUE(go_on);
  EXPECT_EQ(go_on->status, 100);
  polite.send(body);
  auto reply = polite.read_response(seconds(10));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 201) << reply->body;
}

TEST_F(ApiErrorsTest, HeadersOverTheLimitAre431) {
  RawConnection big(port());
  big.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(20 * 1024, 'f') +
           "\r\n\r\n");
  auto reply = big.read_response(seconds(10));
  ASSERT_TRUE(reply);
  EXPECT_TRUE(is_problem(*reply, 431, "headers-too-large"));
  EXPECT_TRUE(big.wait_closed(seconds(10)));

  RawConnection many(port());
  std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 2000; ++i)
    request += "X-" + std::to_string(i) + ": v\r\n";
  many.send(request + "\r\n");
  reply = many.read_response(seconds(10));
  ASSERT_TRUE(reply);
  EXPECT_TRUE(is_problem(*reply, 431, "headers-too-large"));
}

TEST_F(ApiErrorsTest, MalformedHttpIs400AndTheConnectionCloses) {
  for (std::string garbage :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET /healthz HTTP/1.1 extra\r\n\r\n"),
        std::string("GET /healthz HTTP/1.1\r\nContent-Length: abc\r\n\r\n"),
        std::string("GET /healthz HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
        std::string("POST /v1/orders HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
        std::string("GET /healthz HTTP/1.1\r\nNo colon here\r\n\r\n"),
        std::string("\x01\x02\x03\xff\xfe\r\n\r\n", 9)}) {
    RawConnection raw(port());
    raw.send(garbage);
    auto reply = raw.read_response(seconds(10));
    ASSERT_TRUE(reply) << garbage;
    EXPECT_TRUE(is_problem(*reply, 400, "invalid-request")) << garbage;
    EXPECT_TRUE(raw.wait_closed(seconds(10))) << garbage;
  }
  // A client that hangs up mid-request leaves nothing behind either.
  {
    RawConnection rude(port());
    rude.send("POST /v1/orders HTTP/1.1\r\nContent-Length: 500\r\n\r\n{\"acc");
  }
}

TEST_F(ApiErrorsTest, DomainRefusalsAreConflictsAndUnprocessable) {
  auto c = client();
  auto account = open_account(c, "refuse", 500);
  EXPECT_TRUE(
      is_problem(c.post_json("/v1/accounts", {{"account_id", account}, {"balance_cents", 1}}), 409,
                 "account-exists"));
  EXPECT_TRUE(is_problem(c.get("/v1/accounts/" + unique_name("nobody")), 404, "not-found"));
  EXPECT_TRUE(is_problem(
      c.post_json("/v1/orders", {{"account_id", unique_name("nobody")}, {"amount_cents", 5}}), 404,
      "not-found"));
  EXPECT_TRUE(is_problem(c.get("/v1/orders/999999999999999"), 404, "not-found"));
  EXPECT_TRUE(is_problem(pay(c, 999'999'999'999'999), 404, "not-found"));
  EXPECT_TRUE(is_problem(c.get("/v1/transactions/zz9-1-1"), 404, "not-found"));

  auto too_big = create_order(c, account, 501);
  auto poor = pay(c, too_big);
  EXPECT_TRUE(is_problem(poor, 422, "insufficient-funds"));
  EXPECT_FALSE(poor.json().value("txn_id", "").empty()) << "the problem names its transaction";

  auto order = create_order(c, account, 100);
  ASSERT_EQ(cancel(c, order).status, 200);
  auto late = pay(c, order);
  EXPECT_TRUE(is_problem(late, 409, "order-not-payable"));
  EXPECT_NE(late.json()["detail"].get<std::string>().find("CANCELLED"), std::string::npos);
  EXPECT_EQ(balance(c, account), 500);
}

TEST_F(ApiErrorsTest, AdminRoutesNeedTheTokenAndValidInput) {
  auto c = client();
  auto denied = c.request("POST", "/v1/admin/transactions/zz9-1-1/commit");
  EXPECT_TRUE(is_problem(denied, 401, "unauthorized"));
  EXPECT_EQ(denied.headers["www-authenticate"], "Bearer");
  EXPECT_TRUE(is_problem(c.request("POST", "/v1/admin/transactions/zz9-1-1/commit", "",
                                   {{"Authorization", "Bearer wrong"}}),
                         401, "unauthorized"));
  const HttpHeaders admin{{"Authorization", "Bearer s3cret"}};
  EXPECT_TRUE(is_problem(
      c.request("POST", "/v1/admin/transactions/zz9-1-1/rollback", R"({"reason":5})", admin), 400,
      "invalid-request"));
  EXPECT_TRUE(is_problem(c.request("POST", "/v1/admin/transactions/nope/rollback", "", admin), 400,
                         "invalid-request"));
  // Another node's transaction is never touched by this one.
  EXPECT_TRUE(is_problem(
      c.request("POST", "/v1/admin/transactions/zz9-1-1/rollback", R"({"reason":"test"})", admin),
      409, "force-refused"));
}

}  // namespace
}  // namespace xacoord::test
