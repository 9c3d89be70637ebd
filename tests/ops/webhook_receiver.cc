#include "tests/ops/webhook_receiver.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace xacoord::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using asio::ip::tcp;

WebhookReceiver::WebhookReceiver()
    : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  asio::co_spawn(io_, accept_loop(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

WebhookReceiver::~WebhookReceiver() {
  io_.stop();
  thread_.join();
}

std::string WebhookReceiver::url() const {
  return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/alerts";
}

asio::awaitable<void> WebhookReceiver::accept_loop() {
  for (;;) {
    tcp::socket socket = co_await acceptor_.async_accept(asio::use_awaitable);
    asio::co_spawn(io_, session(std::move(socket)), asio::detached);
  }
}

// Keep-alive as Alertmanager's HTTP client expects; a body that is not JSON is answered
// 400 and kept as a string, so the test's failure message shows it.
asio::awaitable<void> WebhookReceiver::session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  try {
    for (;;) {
      http::request<http::string_body> request;
      co_await http::async_read(stream, buffer, request, asio::use_awaitable);
      auto body = nlohmann::json::parse(request.body(), nullptr, false);
      http::response<http::string_body> response{
          body.is_discarded() ? http::status::bad_request : http::status::ok, request.version()};
      keep(body.is_discarded() ? nlohmann::json(request.body()) : std::move(body));
      response.keep_alive(request.keep_alive());
      response.prepare_payload();
      co_await http::async_write(stream, response, asio::use_awaitable);
      if (!request.keep_alive()) break;
    }
  } catch (const std::exception&) {
    // the sender closed the connection
  }
}

void WebhookReceiver::keep(nlohmann::json notification) {
  std::lock_guard lock(mutex_);
  notifications_.push_back(std::move(notification));
  arrived_.notify_all();
}

nlohmann::json WebhookReceiver::wait_for(const std::function<bool(const nlohmann::json&)>& match,
                                         std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::size_t seen = 0;
  auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (; seen < notifications_.size(); ++seen) {
      if (match(notifications_[seen])) return notifications_[seen];
    }
    if (arrived_.wait_until(lock, until) == std::cv_status::timeout &&
        seen == notifications_.size())
      return nullptr;
  }
}

std::vector<nlohmann::json> WebhookReceiver::received() const {
  std::lock_guard lock(mutex_);
  return notifications_;
}

bool has_alert(const nlohmann::json& notification, const std::string& alertname,
               const std::string& status) {
  if (!notification.is_object() || !notification.contains("alerts")) return false;
  for (const auto& alert : notification["alerts"]) {
    auto labels = alert.value("labels", nlohmann::json::object());
    if (alert.value("status", "") == status && labels.value("alertname", "") == alertname)
      return true;
  }
  return false;
}

}  // namespace xacoord::test
