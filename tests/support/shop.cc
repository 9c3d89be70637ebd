#include "tests/support/shop.h"

#include <stdexcept>

#include "tests/support/test_env.h"

namespace xacoord::test {

std::string open_account(HttpClient& client, const std::string& prefix,
                         std::int64_t balance_cents) {
  std::string id = unique_name(prefix);
  auto reply =
      client.post_json("/v1/accounts", {{"account_id", id}, {"balance_cents", balance_cents}});
  if (reply.status != 201)
    throw std::runtime_error("open_account: " + std::to_string(reply.status) + " " + reply.body);
  return id;
}

std::int64_t create_order(HttpClient& client, const std::string& account_id,
                          std::int64_t amount_cents) {
  auto reply =
      client.post_json("/v1/orders", {{"account_id", account_id}, {"amount_cents", amount_cents}});
  if (reply.status != 201)
    throw std::runtime_error("create_order: " + std::to_string(reply.status) + " " + reply.body);
  return reply.json()["order_id"].get<std::int64_t>();
}

std::string order_status(HttpClient& client, std::int64_t order_id) {
  return client.get("/v1/orders/" + std::to_string(order_id)).json().value("status", "");
}

std::int64_t balance(HttpClient& client, const std::string& account_id) {
  return client.get("/v1/accounts/" + account_id).json().value("balance_cents", std::int64_t{-1});
}

static HttpReply post(HttpClient& client, const std::string& path, const std::string& key) {
  HttpHeaders headers;
  if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
  return client.request("POST", path, "", headers);
}

HttpReply pay(HttpClient& client, std::int64_t order_id, const std::string& key) {
  return post(client, "/v1/orders/" + std::to_string(order_id) + "/pay", key);
}

HttpReply cancel(HttpClient& client, std::int64_t order_id, const std::string& key) {
  return post(client, "/v1/orders/" + std::to_string(order_id) + "/cancel", key);
}

}  // namespace xacoord::test
