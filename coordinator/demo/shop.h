// The shop the demo actions drive: this coordinator's own order service (LocalShop), or
// a child coordinator over its HTTP API (RemoteShop, for another architecture or a crash).
// Every call answers like the API does: a status and the JSON body, problems included.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "coordinator/domain/order_service.h"

namespace xacoord::demo {

struct ShopAnswer {
  int status = 0;       // 0: no answer at all (the connection failed)
  nlohmann::json body;  // null when there was none
  bool replayed = false;
  std::string error;  // why there was no answer
};

class Shop {
 public:
  virtual ~Shop() = default;
  virtual boost::asio::awaitable<ShopAnswer> create_account(std::string account_id,
                                                            std::int64_t balance_cents) = 0;
  virtual boost::asio::awaitable<ShopAnswer> create_order(std::string account_id,
                                                          std::int64_t amount_cents) = 0;
  virtual boost::asio::awaitable<ShopAnswer> get_order(std::int64_t order_id) = 0;
  virtual boost::asio::awaitable<ShopAnswer> get_account(std::string account_id) = 0;
  virtual boost::asio::awaitable<ShopAnswer> pay(std::int64_t order_id,
                                                 std::optional<std::string> key) = 0;
  virtual boost::asio::awaitable<ShopAnswer> cancel(std::int64_t order_id) = 0;
};

class LocalShop : public Shop {
 public:
  explicit LocalShop(OrderService& orders) : orders_(orders) {}
  boost::asio::awaitable<ShopAnswer> create_account(std::string account_id,
                                                    std::int64_t balance_cents) override;
  boost::asio::awaitable<ShopAnswer> create_order(std::string account_id,
                                                  std::int64_t amount_cents) override;
  boost::asio::awaitable<ShopAnswer> get_order(std::int64_t order_id) override;
  boost::asio::awaitable<ShopAnswer> get_account(std::string account_id) override;
  boost::asio::awaitable<ShopAnswer> pay(std::int64_t order_id,
                                         std::optional<std::string> key) override;
  boost::asio::awaitable<ShopAnswer> cancel(std::int64_t order_id) override;

 private:
  OrderService& orders_;
};

// Each call is one blocking HTTP request on a thread of `workers` (the io_context thread
// never blocks); the awaiting coroutine resumes on its own executor.
class RemoteShop : public Shop {
 public:
  RemoteShop(boost::asio::thread_pool& workers, std::uint16_t port)
      : workers_(workers), port_(port) {}
  boost::asio::awaitable<ShopAnswer> create_account(std::string account_id,
                                                    std::int64_t balance_cents) override;
  boost::asio::awaitable<ShopAnswer> create_order(std::string account_id,
                                                  std::int64_t amount_cents) override;
  boost::asio::awaitable<ShopAnswer> get_order(std::int64_t order_id) override;
  boost::asio::awaitable<ShopAnswer> get_account(std::string account_id) override;
  boost::asio::awaitable<ShopAnswer> pay(std::int64_t order_id,
                                         std::optional<std::string> key) override;
  boost::asio::awaitable<ShopAnswer> cancel(std::int64_t order_id) override;
  // Any request (GET /v1/transactions/..., /healthz).
  boost::asio::awaitable<ShopAnswer> request(std::string method, std::string target,
                                             std::string body, std::optional<std::string> key);

 private:
  boost::asio::thread_pool& workers_;
  std::uint16_t port_;
};

}  // namespace xacoord::demo
