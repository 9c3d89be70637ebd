#include "protocol/problem.h"

#include <array>

#include <nlohmann/json.hpp>

namespace xacoord {

std::string Problem::to_json() const {
  nlohmann::ordered_json j{
      {"type", type()}, {"title", title}, {"status", status}, {"detail", detail}};
  if (!txn_id.empty()) j["txn_id"] = txn_id;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace problems {
namespace {

constexpr std::array<Kind, 17> kCatalogue{{
    {"invalid-request", 400, "Invalid request"},
    {"unauthorized", 401, "Unauthorized"},
    {"not-found", 404, "Not found"},
    {"no-route", 404, "No such route"},
    {"method-not-allowed", 405, "Method not allowed"},
    {"account-exists", 409, "Account exists"},
    {"order-not-payable", 409, "Order not payable"},
    {"force-refused", 409, "Forced decision refused"},
    {"demo-busy", 409, "Demo run in progress"},
    {"payload-too-large", 413, "Payload too large"},
    {"unsupported-media-type", 415, "Unsupported media type"},
    {"insufficient-funds", 422, "Insufficient funds"},
    {"unknown-account", 422, "Unknown account"},
    {"idempotency-key-reused", 422, "Idempotency-Key reused"},
    {"headers-too-large", 431, "Request header fields too large"},
    {"internal", 500, "Internal error"},
    {"unavailable", 503, "Service unavailable"},
}};

// A problem of a catalogued kind. An unknown slug is a typo in this file, caught by the
// unit test that calls every constructor.
Problem make(std::string_view slug, std::string detail) {
  for (const auto& kind : kCatalogue) {
    if (kind.slug == slug) {
      Problem p;
      p.status = kind.status;
      p.slug = kind.slug;
      p.title = kind.title;
      p.detail = std::move(detail);
      return p;
    }
  }
  throw std::logic_error("problem type " + std::string(slug) + " is not in the catalogue");
}

}  // namespace

std::span<const Kind> catalogue() {
  return kCatalogue;
}

Problem bad_request(std::string detail) {
  return make("invalid-request", std::move(detail));
}
Problem unauthorized(std::string detail) {
  return make("unauthorized", std::move(detail));
}
Problem not_found(std::string detail) {
  return make("not-found", std::move(detail));
}
Problem no_route(std::string detail) {
  return make("no-route", std::move(detail));
}
Problem method_not_allowed(std::string detail) {
  return make("method-not-allowed", std::move(detail));
}
Problem account_exists(std::string detail) {
  return make("account-exists", std::move(detail));
}
Problem order_not_payable(std::string detail) {
  return make("order-not-payable", std::move(detail));
}
Problem demo_busy(std::string detail) {
  return make("demo-busy", std::move(detail));
}

Problem force_refused(std::string detail) {
  return make("force-refused", std::move(detail));
}
Problem payload_too_large(std::string detail) {
  return make("payload-too-large", std::move(detail));
}
Problem unsupported_media_type(std::string detail) {
  return make("unsupported-media-type", std::move(detail));
}
Problem insufficient_funds(std::string detail) {
  return make("insufficient-funds", std::move(detail));
}
Problem unknown_account(std::string detail) {
  return make("unknown-account", std::move(detail));
}
Problem idempotency_key_reused(std::string detail) {
  return make("idempotency-key-reused", std::move(detail));
}
Problem headers_too_large(std::string detail) {
  return make("headers-too-large", std::move(detail));
}
Problem internal(std::string detail) {
  return make("internal", std::move(detail));
}
Problem unavailable(std::string detail, int retry_after_seconds) {
  Problem p = make("unavailable", std::move(detail));
  p.retry_after_seconds = retry_after_seconds;
  return p;
}

}  // namespace problems
}  // namespace xacoord
