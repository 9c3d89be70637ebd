#include "tools/workload/shop_setup.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace xacoord::workload {

namespace {

HttpReply post(HttpClient& http, const std::string& path, const nlohmann::json& body,
               Clock::time_point give_up) {
  auto answer = send_until_definite(http, {"POST", path, body.dump(), {}}, give_up);
  if (answer.reply.status == 0) {
    throw std::runtime_error("POST " + path + ": no definite answer after " +
                             std::to_string(answer.attempts) + " attempts");
  }
  return answer.reply;
}

}  // namespace

void open_account(HttpClient& http, const std::string& account_id, std::int64_t balance_cents,
                  Clock::time_point give_up) {
  auto reply = post(http, "/v1/accounts",
                    {{"account_id", account_id}, {"balance_cents", balance_cents}}, give_up);
  if (reply.status != 201 && reply.status != 409) {
    throw std::runtime_error("opening account " + account_id + ": " + std::to_string(reply.status) +
                             " " + reply.body);
  }
}

std::int64_t create_order(HttpClient& http, const std::string& account_id,
                          std::int64_t amount_cents, Clock::time_point give_up) {
  auto reply = post(http, "/v1/orders",
                    {{"account_id", account_id}, {"amount_cents", amount_cents}}, give_up);
  auto order = reply.json();
  if (reply.status != 201 || !order.contains("order_id")) {
    throw std::runtime_error("creating an order of " + account_id + ": " +
                             std::to_string(reply.status) + " " + reply.body);
  }
  return order["order_id"].get<std::int64_t>();
}

}  // namespace xacoord::workload
