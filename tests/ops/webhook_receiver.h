// The receiving end of Alertmanager's webhook_configs: an HTTP server on a loopback port
// of its own that keeps every notification (the JSON body Alertmanager posts) for the
// test to wait for.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>  // before boost/asio/awaitable.hpp, which uses std::exchange
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

namespace xacoord::test {

class WebhookReceiver {
 public:
  WebhookReceiver();  // listening on 127.0.0.1, a free port, once constructed
  ~WebhookReceiver();

  std::string url() const;  // for webhook_configs
  // Waits until a notification received so far or later satisfies `match`; returns it,
  // or null when `timeout` passes first.
  nlohmann::json wait_for(const std::function<bool(const nlohmann::json&)>& match,
                          std::chrono::milliseconds timeout);
  std::vector<nlohmann::json> received() const;

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);
  void keep(nlohmann::json notification);

  boost::asio::io_context io_{1};
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<nlohmann::json> notifications_;
};

// Whether an Alertmanager notification holds alert `alertname` with `status` ("firing"
// or "resolved").
bool has_alert(const nlohmann::json& notification, const std::string& alertname,
               const std::string& status);

}  // namespace xacoord::test
