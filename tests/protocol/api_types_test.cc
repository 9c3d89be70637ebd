#include "protocol/api_types.h"

#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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

TEST(ApiTypes, TxnIdsInPaths) {
  EXPECT_EQ(parse_txn_id("1-3-42"), "1-3-42");
  EXPECT_EQ(parse_txn_id("node_A-1-1"), "node_A-1-1");
  for (const char* bad : {"", "1", "1-2", "1-2-3-4", "a b-1-1", "1-01-1", "1--1", "-1-1", "1-1-x",
                          "abcdefghijklm-1-1"}) {
    EXPECT_THROW(parse_txn_id(bad), ProblemError) << bad;
  }
  EXPECT_THROW(parse_txn_id("1-1-" + std::string(70, '1')), ProblemError);
}

TEST(ApiTypes, JsonMediaTypes) {
  for (const char* ok :
       {"application/json", "application/json; charset=utf-8", "Application/JSON",
        " application/json ;x=y", "application/problem+json", "application/merge-patch+json"}) {
    EXPECT_TRUE(is_json_media_type(ok)) << ok;
  }
  for (const char* bad : {"", "text/plain", "application/jsonx", "application/+json", "json",
                          "text/json", "application/x-www-form-urlencoded", "application"}) {
    EXPECT_FALSE(is_json_media_type(bad)) << bad;
  }
}

TEST(ApiTypes, TransactionQueries) {
  auto all = TransactionQuery::parse({});
  EXPECT_FALSE(all.in_doubt);
  EXPECT_FALSE(all.state);
  EXPECT_EQ(all.limit, kDefaultListLimit);
  auto in_doubt = TransactionQuery::parse({{"state", "in_doubt"}, {"limit", "1000"}, {"x", "y"}});
  EXPECT_TRUE(in_doubt.in_doubt);
  EXPECT_EQ(in_doubt.limit, 1000u);
  EXPECT_EQ(TransactionQuery::parse({{"state", "ABORTED"}}).state, TxnState::kAborted);
  for (auto bad :
       std::vector<std::map<std::string, std::string>>{{{"state", "aborted"}},
                                                       {{"state", ""}},
                                                       {{"limit", "0"}},
                                                       {{"limit", "1001"}},
                                                       {{"limit", "-1"}},
                                                       {{"limit", "1e3"}},
                                                       {{"limit", ""}},
                                                       {{"limit", "99999999999999999999999"}}}) {
    EXPECT_THROW(TransactionQuery::parse(bad), ProblemError);
  }
}

TEST(ApiTypes, ForceReasons) {
  EXPECT_EQ(parse_force_reason(""), "operator");
  EXPECT_EQ(parse_force_reason("{}"), "operator");
  EXPECT_EQ(parse_force_reason(R"({"reason":"db lost","x":1})"), "db lost");
  for (const std::string& bad :
       std::vector<std::string>{"[]", "{", R"({"reason":1})", R"({"reason":""})",
                                R"({"reason":")" + std::string(1001, 'r') + R"("})"}) {
    EXPECT_THROW(parse_force_reason(bad), ProblemError) << bad;
  }
}

TEST(Problems, EveryKindComesFromTheCatalogue) {
  std::set<std::string> slugs;
  for (const auto& kind : problems::catalogue()) {
    EXPECT_TRUE(slugs.insert(std::string(kind.slug)).second) << "duplicate " << kind.slug;
    EXPECT_GE(kind.status, 400);
    EXPECT_LE(kind.status, 599);
    EXPECT_FALSE(kind.title.empty());
  }
  const std::vector<Problem> made{problems::bad_request("d"),
                                  problems::unauthorized("d"),
                                  problems::not_found("d"),
                                  problems::no_route("d"),
                                  problems::method_not_allowed("d"),
                                  problems::account_exists("d"),
                                  problems::order_not_payable("d"),
                                  problems::force_refused("d"),
                                  problems::demo_busy("d"),
                                  problems::payload_too_large("d"),
                                  problems::unsupported_media_type("d"),
                                  problems::insufficient_funds("d"),
                                  problems::unknown_account("d"),
                                  problems::idempotency_key_reused("d"),
                                  problems::headers_too_large("d"),
                                  problems::internal("d"),
                                  problems::unavailable("d", 3)};
  std::set<std::string> used;
  for (const auto& p : made) {
    used.insert(p.slug);
    EXPECT_EQ(p.detail, "d");
  }
  EXPECT_EQ(used, slugs) << "every catalogued kind has its constructor, and no other exists";
  EXPECT_EQ(problems::unavailable("d", 3).retry_after_seconds, 3);
  EXPECT_EQ(problems::insufficient_funds("d").status, 422);
  EXPECT_EQ(problems::no_route("d").status, 404);
}

TEST(Problems, RenderAsRfc9457) {
  Problem p = problems::order_not_payable("order 7 is \"PAID\"");
  auto j = nlohmann::json::parse(p.to_json());
  EXPECT_EQ(j, (nlohmann::json{{"type", "/problems/order-not-payable"},
                               {"title", "Order not payable"},
                               {"status", 409},
                               {"detail", "order 7 is \"PAID\""}}));
  p.txn_id = "1-2-3";
  EXPECT_EQ(nlohmann::json::parse(p.to_json())["txn_id"], "1-2-3");
  // Bytes that are not UTF-8 cannot break the JSON.
  Problem odd = problems::bad_request("bad \xff byte");
  EXPECT_FALSE(nlohmann::json::parse(odd.to_json(), nullptr, false).is_discarded());
}

}  // namespace
}  // namespace xacoord::api
