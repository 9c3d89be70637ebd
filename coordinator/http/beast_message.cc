#include "coordinator/http/beast_message.h"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

namespace xacoord::http {

namespace bhttp = boost::beast::http;

namespace {

std::optional<std::string> header(const BeastRequest& request, bhttp::field name) {
  auto it = request.find(name);
  if (it == request.end()) return std::nullopt;
  return std::string(it->value());
}

}  // namespace

Request request_from(BeastRequest& request) {
  Request out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  out.body = std::move(request.body());
  out.content_type = header(request, bhttp::field::content_type);
  out.authorization = header(request, bhttp::field::authorization);
  // Not a field Beast knows by enum: look it up by name (case-insensitive).
  if (auto it = request.find("Idempotency-Key"); it != request.end())
    out.idempotency_key = std::string(it->value());
  return out;
}

BeastResponse to_beast(const Response& response, unsigned version, bool keep_alive) {
  BeastResponse out{static_cast<bhttp::status>(response.status), version};
  out.set(bhttp::field::server, "xacoord");
  out.set(bhttp::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers)
    out.set(name, value);
  out.body() = response.body;
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

}  // namespace xacoord::http
