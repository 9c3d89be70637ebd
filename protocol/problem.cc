#include "protocol/problem.h"

#include <nlohmann/json.hpp>

namespace xacoord {

std::string Problem::to_json() const {
  nlohmann::json j{{"type", type()}, {"title", title}, {"status", status}, {"detail", detail}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace problems {

Problem bad_request(std::string detail) {
  return {400, "invalid-request", "Invalid request", std::move(detail)};
}
Problem not_found(std::string detail) {
  return {404, "not-found", "Not found", std::move(detail)};
}
Problem method_not_allowed(std::string detail) {
  return {405, "method-not-allowed", "Method not allowed", std::move(detail)};
}
Problem conflict(std::string slug, std::string title, std::string detail) {
  return {409, std::move(slug), std::move(title), std::move(detail)};
}
Problem payload_too_large(std::string detail) {
  return {413, "payload-too-large", "Payload too large", std::move(detail)};
}
Problem unsupported_media_type(std::string detail) {
  return {415, "unsupported-media-type", "Unsupported media type", std::move(detail)};
}
Problem unprocessable(std::string slug, std::string title, std::string detail) {
  return {422, std::move(slug), std::move(title), std::move(detail)};
}
Problem unauthorized(std::string detail) {
  return {401, "unauthorized", "Unauthorized", std::move(detail)};
}
Problem unavailable(std::string detail, int retry_after_seconds) {
  return {503, "unavailable", "Service unavailable", std::move(detail), retry_after_seconds};
}
Problem internal(std::string detail) {
  return {500, "internal", "Internal error", std::move(detail)};
}

}  // namespace problems
}  // namespace xacoord
