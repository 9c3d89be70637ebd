// The HTTP/1.1 server (Boost.Beast, one coroutine per connection).
//
// Manners:
//   - a read timeout per request: a slow or silent client loses its socket, it does not
//     keep it (an idle keep-alive connection gets the same time to send its next request);
//   - header and body limits (431, 413), checked before the body is read when the client
//     announces its length, and 100-continue only for bodies within the limit;
//   - a cap on concurrent connections: the ones over it get a 503 and are closed;
//   - keep-alive;
//   - a graceful stop: stop accepting, close idle connections, let the requests being
//     answered finish (their answers carry Connection: close).
// Malformed HTTP gets a 400 and a closed connection. After an error answer the server
// reads and discards what the client still sends for a moment before it closes
// ("lingering close"), so the client reads the answer instead of a connection reset.
#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

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
  // Stops accepting and closes the connections that wait for a request; the requests
  // being handled still get their answers, then their connections close.
  void stop();
  std::uint16_t port() const { return port_; }
  std::size_t connections() const { return connections_; }
  // Requests read and not yet completely answered.
  std::size_t requests_in_progress() const { return requests_in_progress_; }

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);
  // Answers a connection over the cap with a 503 and closes it.
  boost::asio::awaitable<void> refuse(boost::asio::ip::tcp::socket socket);
  // Half-closes and discards input for a moment, so a client that is still sending reads
  // our answer rather than a reset.
  boost::asio::awaitable<void> linger_and_close(boost::beast::tcp_stream& stream);

  boost::asio::io_context& io_;
  const Router& router_;
  CoordinatorMetrics& metrics_;
  ServerOptions options_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::size_t connections_ = 0;
  std::size_t refusing_ = 0;
  std::size_t requests_in_progress_ = 0;
  // Sessions waiting for (the rest of) a request: stop() cancels their reads.
  std::set<boost::beast::tcp_stream*> reading_;
  bool stopping_ = false;
};

// "host:port" into its parts; throws std::invalid_argument.
std::pair<std::string, std::uint16_t> split_host_port(const std::string& listen);

}  // namespace xacoord::http
