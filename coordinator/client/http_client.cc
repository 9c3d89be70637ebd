#include "coordinator/client/http_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace xacoord {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

nlohmann::json HttpReply::json() const {
  auto j = nlohmann::json::parse(body, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

struct HttpClient::Impl {
  std::string host;
  std::uint16_t port;
  std::chrono::milliseconds timeout;
  asio::io_context io;
  std::unique_ptr<tcp::socket> socket;
  beast::flat_buffer buffer;

  void connect() {
    socket = std::make_unique<tcp::socket>(io);
    tcp::resolver resolver(io);
    asio::connect(*socket, resolver.resolve(host, std::to_string(port)));
    socket->set_option(tcp::no_delay(true));
    // Blocking calls honour these; a hung server becomes an error instead of a hang.
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(socket->native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(socket->native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    buffer.clear();
  }
};

HttpClient::HttpClient(std::string host, std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->timeout = timeout;
}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

void HttpClient::close() {
  impl_->socket.reset();
}

HttpReply HttpClient::request(const std::string& method, const std::string& target,
                              const std::string& body, const HttpHeaders& headers) {
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  if (req.method() == bhttp::verb::unknown) req.method_string(method);
  req.set(bhttp::field::host, impl_->host + ":" + std::to_string(impl_->port));
  req.keep_alive(true);
  for (const auto& [k, v] : headers)
    req.set(k, v);
  req.body() = body;
  req.prepare_payload();

  for (int attempt = 0;; ++attempt) {
    bool reused = impl_->socket != nullptr;
    if (!reused) impl_->connect();
    boost::system::error_code ec;
    bhttp::write(*impl_->socket, req, ec);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64u << 20);
    if (!ec) bhttp::read(*impl_->socket, impl_->buffer, parser, ec);
    if (ec) {
      impl_->socket.reset();
      // A kept-alive connection the server had already closed: the request most likely
      // never reached it. Most likely is not surely (the server may have acted and died
      // before answering), so only requests that are safe to repeat are sent again: GETs,
      // and requests with an Idempotency-Key (the rule of Go's net/http, too).
      bool repeatable = req.method() == bhttp::verb::get || req.count("Idempotency-Key") > 0;
      bool stale = reused && attempt == 0 && repeatable &&
                   (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
                    ec == asio::error::connection_reset || ec == asio::error::broken_pipe);
      if (stale) continue;
      throw boost::system::system_error(ec, method + " " + target);
    }
    auto& res = parser.get();
    HttpReply reply;
    reply.status = static_cast<int>(res.result_int());
    reply.body = std::move(res.body());
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (auto& ch : name)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      reply.headers[name] = std::string(field.value());
    }
    if (!res.keep_alive()) impl_->socket.reset();
    return reply;
  }
}

HttpReply HttpClient::post_json(const std::string& target, const nlohmann::json& body,
                                const HttpHeaders& headers) {
  HttpHeaders all = headers;
  all.emplace_back("Content-Type", "application/json");
  return request("POST", target, body.dump(), all);
}

std::pair<std::string, std::uint16_t> parse_server_address(const std::string& address) {
  std::string rest = address;
  if (rest.starts_with("http://")) rest = rest.substr(7);
  while (!rest.empty() && rest.back() == '/')
    rest.pop_back();
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) return {rest, 80};
  char* end = nullptr;
  long port = std::strtol(rest.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port <= 0 || port > 65535)
    throw std::invalid_argument("bad server address '" + address + "'");
  return {rest.substr(0, colon), static_cast<std::uint16_t>(port)};
}

}  // namespace xacoord
