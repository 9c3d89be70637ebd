// The HTTP/1.1 server (Boost.Beast, one coroutine per connection).
//
// Manners: a read timeout per request (a slow or silent client loses its socket, it does
// not keep it), header and body limits (431, 413), a cap on concurrent connections (503
// to the rest), keep-alive, and a graceful stop (stop accepting; answers in flight go out
// with Connection: close). Malformed HTTP gets a 400 and a closed connection; nothing a
// client sends can take the server down.
#pragma once

#include <utility>

#include <chrono>
#include <cstdint>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "coordinator/http/router.h"
#include "coordinator/observability/coordinator_metrics.h"

namespace xacoord::http {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  std::chrono::milliseconds read_timeout{30'000};
  std::size_t max_connections = 1024;
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 64 * 1024;
};

class Server {
 public:
  Server(boost::asio::io_context& io, const Router& router, CoordinatorMetrics& metrics,
         ServerOptions options);

  // Binds and starts accepting. Throws std::runtime_error if the address cannot be bound.
  void start();
  // Stops accepting; open connections close after their current answer.
  void stop();
  std::uint16_t port() const { return port_; }
  std::size_t connections() const { return connections_; }

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  const Router& router_;
  CoordinatorMetrics& metrics_;
  ServerOptions options_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::size_t connections_ = 0;
  bool stopping_ = false;
};

// "host:port" into its parts; throws std::invalid_argument.
std::pair<std::string, std::uint16_t> split_host_port(const std::string& listen);

}  // namespace xacoord::http
