#include "coordinator/demo/shop.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "coordinator/client/http_client.h"
#include "protocol/api_types.h"
#include "protocol/fingerprint.h"
#include "protocol/problem.h"

namespace xacoord::demo {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

ShopAnswer from(const Answer& a) {
  return ShopAnswer{a.status, json::parse(a.body, nullptr, false), a.replayed, ""};
}

ShopAnswer from(const ProblemError& e) {
  return ShopAnswer{e.problem().status, json::parse(e.problem().to_json(), nullptr, false), false,
                    ""};
}

// A ProblemError is the API's answer, not a failure of the run: caught where it is thrown
// and turned into the status and body the HTTP route would have sent. (No co_await in a
// catch block: the answer is kept and returned after it.)
template <class Call>
asio::awaitable<ShopAnswer> answer_of(Call call) {
  std::optional<ShopAnswer> refused;
  try {
    Answer a = co_await call();
    co_return from(a);
  } catch (const ProblemError& e) {
    refused = from(e);
  }
  co_return *refused;
}

}  // namespace

asio::awaitable<ShopAnswer> LocalShop::create_account(std::string account_id,
                                                      std::int64_t balance_cents) {
  api::CreateAccountRequest request{std::move(account_id), balance_cents};
  auto call = [&] { return orders_.create_account(std::move(request)); };
  co_return co_await answer_of(call);
}

asio::awaitable<ShopAnswer> LocalShop::create_order(std::string account_id,
                                                    std::int64_t amount_cents) {
  api::CreateOrderRequest request{std::move(account_id), amount_cents};
  auto call = [&] { return orders_.create_order(std::move(request)); };
  co_return co_await answer_of(call);
}

asio::awaitable<ShopAnswer> LocalShop::get_order(std::int64_t order_id) {
  auto call = [&] { return orders_.get_order(order_id); };
  co_return co_await answer_of(call);
}

asio::awaitable<ShopAnswer> LocalShop::get_account(std::string account_id) {
  auto call = [&] { return orders_.get_account(std::move(account_id)); };
  co_return co_await answer_of(call);
}

asio::awaitable<ShopAnswer> LocalShop::pay(std::int64_t order_id, std::optional<std::string> key) {
  std::optional<IdempotencyKey> k;
  if (key) {
    // The same fingerprint the HTTP route computes, so a key means the same request here
    // and there.
    std::string target = "/v1/orders/" + std::to_string(order_id) + "/pay";
    k = IdempotencyKey{*key, request_fingerprint("POST", target, "")};
  }
  auto call = [&] { return orders_.pay(order_id, std::move(k)); };
  co_return co_await answer_of(call);
}

asio::awaitable<ShopAnswer> LocalShop::cancel(std::int64_t order_id) {
  auto call = [&] { return orders_.cancel(order_id, std::nullopt); };
  co_return co_await answer_of(call);
}

asio::awaitable<ShopAnswer> RemoteShop::request(std::string method, std::string target,
                                                std::string body, std::optional<std::string> key) {
  const std::uint16_t port = port_;
  auto blocking = [port, method = std::move(method), target = std::move(target),
                   body = std::move(body), key = std::move(key)]() -> asio::awaitable<ShopAnswer> {
    ShopAnswer answer;
    try {
      HttpClient client("127.0.0.1", port, std::chrono::seconds(20));
      HttpHeaders headers;
      if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
      if (key) headers.emplace_back("Idempotency-Key", *key);
      HttpReply reply = client.request(method, target, body, headers);
      answer.status = reply.status;
      answer.body = reply.json();
      auto replayed = reply.headers.find("idempotent-replayed");
      answer.replayed = replayed != reply.headers.end() && replayed->second == "true";
    } catch (const std::exception& e) {
      answer.status = 0;
      answer.error = e.what();
    }
    co_return answer;
  };
  auto on_worker = asio::co_spawn(workers_, std::move(blocking), asio::use_awaitable);
  co_return co_await std::move(on_worker);
}

asio::awaitable<ShopAnswer> RemoteShop::create_account(std::string account_id,
                                                       std::int64_t balance_cents) {
  std::string body = json{{"account_id", account_id}, {"balance_cents", balance_cents}}.dump();
  co_return co_await request("POST", "/v1/accounts", std::move(body), std::nullopt);
}

asio::awaitable<ShopAnswer> RemoteShop::create_order(std::string account_id,
                                                     std::int64_t amount_cents) {
  std::string body = json{{"account_id", account_id}, {"amount_cents", amount_cents}}.dump();
  co_return co_await request("POST", "/v1/orders", std::move(body), std::nullopt);
}

asio::awaitable<ShopAnswer> RemoteShop::get_order(std::int64_t order_id) {
  co_return co_await request("GET", "/v1/orders/" + std::to_string(order_id), "", std::nullopt);
}

asio::awaitable<ShopAnswer> RemoteShop::get_account(std::string account_id) {
  co_return co_await request("GET", "/v1/accounts/" + account_id, "", std::nullopt);
}

asio::awaitable<ShopAnswer> RemoteShop::pay(std::int64_t order_id, std::optional<std::string> key) {
  co_return co_await request("POST", "/v1/orders/" + std::to_string(order_id) + "/pay", "",
                             std::move(key));
}

asio::awaitable<ShopAnswer> RemoteShop::cancel(std::int64_t order_id) {
  co_return co_await request("POST", "/v1/orders/" + std::to_string(order_id) + "/cancel", "",
                             std::nullopt);
}

}  // namespace xacoord::demo
