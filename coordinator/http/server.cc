#include "coordinator/http/server.h"

#include <algorithm>
#include <array>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "coordinator/http/beast_message.h"
#include "coordinator/observability/event_log.h"

namespace xacoord::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// How long, and for how many bytes, a lingering close keeps reading.
constexpr std::chrono::milliseconds kLingerTime{2'000};
constexpr std::size_t kLingerBytes = 1 << 20;
// Connections over the cap that may be waiting for their 503 at once; beyond that they
// are closed without an answer.
constexpr std::size_t kMaxRefusing = 64;

// Holds a count one higher for its lifetime, whichever way the scope is left.
class CountGuard {
 public:
  explicit CountGuard(std::size_t& count) : count_(count) { ++count_; }
  ~CountGuard() { --count_; }
  CountGuard(const CountGuard&) = delete;
  CountGuard& operator=(const CountGuard&) = delete;

 private:
  std::size_t& count_;
};

// Keeps a stream in the set of reading sessions while it waits for a request.
class ReadingGuard {
 public:
  ReadingGuard(std::set<beast::tcp_stream*>& set, beast::tcp_stream* stream)
      : set_(set), stream_(stream) {
    set_.insert(stream_);
  }
  ~ReadingGuard() { set_.erase(stream_); }
  ReadingGuard(const ReadingGuard&) = delete;
  ReadingGuard& operator=(const ReadingGuard&) = delete;

 private:
  std::set<beast::tcp_stream*>& set_;
  beast::tcp_stream* stream_;
};

// The client went away (or we cancelled the read): nothing to answer.
bool connection_gone(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor;
}

// The answer to a request that could not be read as HTTP within the limits.
Response answer_to_read_error(const boost::system::error_code& ec, const ServerOptions& options) {
  if (ec == bhttp::error::body_limit) {
    return Response::problem(problems::payload_too_large(
        "the body is over the limit of " + std::to_string(options.body_limit) + " bytes"));
  }
  if (ec == bhttp::error::header_limit) {
    return Response::problem(problems::headers_too_large("the request line and headers are over " +
                                                         std::to_string(options.header_limit) +
                                                         " bytes"));
  }
  return Response::problem(problems::bad_request("malformed HTTP request: " + ec.message()));
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
  // Completions are posted, never run inline: the set does not change under the loop.
  for (beast::tcp_stream* stream : reading_)
    stream->cancel();
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
    socket.set_option(tcp::no_delay(true), ec);
    if (connections_ >= options_.max_connections) {
      metrics_.http_connection_refused();
      if (refusing_ < kMaxRefusing) {
        asio::co_spawn(io_, refuse(std::move(socket)), asio::detached);
      } else {
        socket.close(ec);
      }
      continue;
    }
    asio::co_spawn(io_, session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::session(tcp::socket socket) {
  CountGuard open(connections_);
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  bool linger = false;  // we answered before reading the whole request
  try {
    while (!stopping_) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options_.header_limit));
      parser.body_limit(options_.body_limit);
      std::optional<Response> early;  // an answer decided before the request was all read
      boost::system::error_code ec;
      {
        ReadingGuard reading(reading_, &stream);
        // One deadline for the whole request, headers and body: a client sending a byte
        // now and then cannot stretch it.
        stream.expires_after(options_.read_timeout);
        co_await bhttp::async_read_header(stream, buffer, parser,
                                          asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) {
          auto length = parser.content_length();
          if (length && *length > options_.body_limit) {
            early = Response::problem(problems::payload_too_large(
                "the body is " + std::to_string(*length) + " bytes; the limit is " +
                std::to_string(options_.body_limit)));
          } else {
            auto& req = parser.get();
            if (!parser.is_done() && beast::iequals(req[bhttp::field::expect], "100-continue")) {
              bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, req.version()};
              co_await bhttp::async_write(stream, go_on,
                                          asio::redirect_error(asio::use_awaitable, ec));
            }
            if (!ec) {
              co_await bhttp::async_read(stream, buffer, parser,
                                         asio::redirect_error(asio::use_awaitable, ec));
            }
          }
        }
      }
      if (ec == beast::error::timeout) {
        metrics_.http_read_timeout();  // the stream closed the socket already
        break;
      }
      if (connection_gone(ec)) break;
      if (ec) early = answer_to_read_error(ec, options_);

      CountGuard answering(requests_in_progress_);
      const auto began = std::chrono::steady_clock::now();
      auto& req = parser.get();
      std::string route = "unmatched";
      Response response;
      if (early) {
        response = std::move(*early);
      } else {
        Request request = request_from(req);
        response = co_await router_.handle(request, route);
      }
      // Decided after the handler: a stop during a long transaction closes afterwards.
      const bool keep_alive = !early && req.keep_alive() && !stopping_;
      metrics_.http_request(route, response.status, std::chrono::steady_clock::now() - began);
      auto out = to_beast(response, req.version() == 10 ? 10 : 11, keep_alive);
      stream.expires_after(options_.read_timeout);
      co_await bhttp::async_write(stream, out, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      if (!keep_alive) {
        linger = early.has_value();
        break;
      }
    }
  } catch (const std::exception& e) {
    // Nothing a client sends should get here; if something does, only this connection
    // ends.
    log_event("http_session_failed", {{"error", e.what()}});
  }
  if (linger) {
    co_await linger_and_close(stream);
  } else {
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
}

asio::awaitable<void> Server::refuse(tcp::socket socket) {
  CountGuard refusing(refusing_);
  beast::tcp_stream stream(std::move(socket));
  auto out = to_beast(Response::problem(problems::unavailable(
                          "the server has " + std::to_string(options_.max_connections) +
                              " connections open, its limit; retry shortly",
                          1)),
                      11, false);
  boost::system::error_code ec;
  stream.expires_after(std::min(options_.read_timeout, kLingerTime));
  co_await bhttp::async_write(stream, out, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) co_await linger_and_close(stream);
}

asio::awaitable<void> Server::linger_and_close(beast::tcp_stream& stream) {
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  // Bounded in time and bytes, so it cannot become a way to hold a socket.
  stream.expires_after(std::min(options_.read_timeout, kLingerTime));
  std::array<char, 4096> scratch;
  std::size_t discarded = 0;
  while (!ec && discarded < kLingerBytes) {
    discarded += co_await stream.async_read_some(asio::buffer(scratch),
                                                 asio::redirect_error(asio::use_awaitable, ec));
  }
  stream.close();
}

}  // namespace xacoord::http
