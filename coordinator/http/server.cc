#include "coordinator/http/server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "coordinator/observability/event_log.h"

namespace xacoord::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

std::optional<std::string> header(const bhttp::request_parser<bhttp::string_body>::value_type& req,
                                  std::string_view name) {
  auto it = req.find(beast::string_view(name.data(), name.size()));
  if (it == req.end()) return std::nullopt;
  return std::string(it->value());
}

bhttp::response<bhttp::string_body> to_beast(const Response& r, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
  res.set(bhttp::field::server, "xacoord");
  res.set(bhttp::field::content_type, r.content_type);
  for (const auto& [k, v] : r.headers)
    res.set(k, v);
  res.body() = r.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

}  // namespace

std::pair<std::string, std::uint16_t> split_host_port(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw std::invalid_argument("--listen '" + listen + "' must be host:port");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  long port = std::strtol(listen.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535 || colon + 1 == listen.size()) {
    throw std::invalid_argument("--listen '" + listen + "' has a bad port");
  }
  return {host, static_cast<std::uint16_t>(port)};
}

Server::Server(asio::io_context& io, const Router& router, CoordinatorMetrics& metrics,
               ServerOptions options)
    : io_(io), router_(router), metrics_(metrics), options_(std::move(options)), acceptor_(io) {}

void Server::start() {
  auto [host, port] = split_host_port(options_.listen);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("--listen: '" + host + "' is not an IP address");
  tcp::endpoint endpoint(address, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + options_.listen + ": " + ec.message());
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(io_, accept_loop(), asio::detached);
}

void Server::stop() {
  stopping_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

asio::awaitable<void> Server::accept_loop() {
  while (!stopping_) {
    boost::system::error_code ec;
    tcp::socket socket =
        co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopping_) break;
      // EMFILE and friends: back off briefly instead of spinning on the error.
      asio::steady_timer pause(io_, std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (connections_ >= options_.max_connections) {
      static const std::string kBusy = [] {
        std::string body = problems::unavailable("too many connections; retry", 1).to_json();
        return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
               "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
      }();
      boost::system::error_code ignored;
      socket.non_blocking(true, ignored);
      socket.write_some(asio::buffer(kBusy.data(), kBusy.size()), ignored);
      socket.close(ignored);
      continue;
    }
    asio::co_spawn(io_, session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::session(tcp::socket socket) {
  ++connections_;
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options_.header_limit));
    parser.body_limit(options_.body_limit);
    boost::system::error_code ec;
    stream.expires_after(options_.read_timeout);
    co_await bhttp::async_read_header(stream, buffer, parser,
                                      asio::redirect_error(asio::use_awaitable, ec));
    std::optional<Response> early;  // an answer decided before the body is read
    if (!ec) {
      auto& req = parser.get();
      if (auto length = parser.content_length(); length && *length > options_.body_limit) {
        early = Response::problem(problems::payload_too_large(
            "the body is " + std::to_string(*length) + " bytes; the limit is " +
            std::to_string(options_.body_limit)));
      } else if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
        bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, req.version()};
        co_await bhttp::async_write(stream, go_on, asio::redirect_error(asio::use_awaitable, ec));
      }
      if (!early && !ec) {
        co_await bhttp::async_read(stream, buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
      }
    }
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted) {
      break;  // gone, or too slow: drop the socket
    }
    if (ec == bhttp::error::body_limit) {
      early = Response::problem(problems::payload_too_large(
          "the body is over the limit of " + std::to_string(options_.body_limit) + " bytes"));
    } else if (ec == bhttp::error::header_limit) {
      early = Response::problem(
          Problem{431, "headers-too-large", "Request header fields too large",
                  "the headers are over " + std::to_string(options_.header_limit) + " bytes"});
    } else if (ec) {
      early = Response::problem(problems::bad_request("malformed HTTP request: " + ec.message()));
    }

    const auto began = std::chrono::steady_clock::now();
    auto& req = parser.get();
    Response response;
    std::string route = "unmatched";
    bool keep_alive = false;
    if (early) {
      response = std::move(*early);
    } else {
      Request request;
      request.method = std::string(req.method_string());
      request.target = std::string(req.target());
      request.body = std::move(req.body());
      request.content_type = header(req, "Content-Type");
      request.idempotency_key = header(req, "Idempotency-Key");
      request.authorization = header(req, "Authorization");
      response = co_await router_.handle(request, route);
      keep_alive = req.keep_alive() && !stopping_;
    }
    metrics_.http_request(route, response.status, std::chrono::steady_clock::now() - began);
    auto out = to_beast(response, req.version() == 10 ? 10 : 11, keep_alive);
    stream.expires_after(options_.read_timeout);
    co_await bhttp::async_write(stream, out, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !keep_alive) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  --connections_;
}

}  // namespace xacoord::http
