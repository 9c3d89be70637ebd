#include "protocol/api_types.h"

#include <gtest/gtest.h>

#include "protocol/problem.h"

namespace xacoord::api {
namespace {

int status_of(void (*fn)()) {
  try {
    fn();
  } catch (const ProblemError& e) {
    return e.problem().status;
  }
  return 0;
}

TEST(ApiTypes, ParsesAGoodAccount) {
  auto r =
      CreateAccountRequest::parse(R"({"account_id":"alice","balance_cents":10000,"extra":true})");
  EXPECT_EQ(r.account_id, "alice");
  EXPECT_EQ(r.balance_cents, 10000);
}

TEST(ApiTypes, RefusesBadAccountsWith400) {
  for (const char* body :
       {"", "[]", "{", "null", R"({"balance_cents":1})", R"({"account_id":5,"balance_cents":1})",
        R"({"account_id":"","balance_cents":1})", R"({"account_id":"a b","balance_cents":1})",
        R"({"account_id":"a","balance_cents":-1})", R"({"account_id":"a","balance_cents":1.5})",
        R"({"account_id":"a","balance_cents":"10"})", R"({"account_id":"a","balance_cents":1e30})",
        R"({"account_id":"a","balance_cents":18446744073709551615})",
        R"({"account_id":"a","balance_cents":1000000000001})"}) {
    try {
      CreateAccountRequest::parse(body);
      ADD_FAILURE() << "accepted " << body;
    } catch (const ProblemError& e) {
      EXPECT_EQ(e.problem().status, 400) << body;
      EXPECT_FALSE(e.problem().detail.empty());
    }
  }
  std::string long_id(65, 'a');
  EXPECT_THROW(
      CreateAccountRequest::parse(R"({"account_id":")" + long_id + R"(","balance_cents":1})"),
      ProblemError);
}

TEST(ApiTypes, OrdersNeedAPositiveAmount) {
  EXPECT_EQ(CreateOrderRequest::parse(R"({"account_id":"a","amount_cents":1})").amount_cents, 1);
  EXPECT_EQ(status_of([] { CreateOrderRequest::parse(R"({"account_id":"a","amount_cents":0})"); }),
            400);
}

TEST(ApiTypes, OrderIdsInPaths) {
  EXPECT_EQ(parse_order_id("42"), 42);
  for (const char* bad : {"", "0", "-1", "01", "1x", "99999999999999999999", "1.0"}) {
    EXPECT_THROW(parse_order_id(bad), ProblemError) << bad;
  }
}

TEST(ApiTypes, IdempotencyKeysArePrintableAscii) {
  EXPECT_TRUE(valid_idempotency_key("k-1 2"));
  EXPECT_TRUE(valid_idempotency_key(std::string(128, 'k')));
  EXPECT_FALSE(valid_idempotency_key(""));
  EXPECT_FALSE(valid_idempotency_key(std::string(129, 'k')));
  EXPECT_FALSE(valid_idempotency_key("tab\there"));
  EXPECT_FALSE(valid_idempotency_key("caf\xc3\xa9"));
}

}  // namespace
}  // namespace xacoord::api
