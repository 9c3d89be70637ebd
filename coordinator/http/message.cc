#include "coordinator/http/message.h"

namespace xacoord::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return std::nullopt;
      out.push_back(decoded);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

Response Response::json(int status, std::string body) {
  return Response{status, "application/json", std::move(body), {}};
}

Response Response::problem(const Problem& p) {
  Response r{p.status, "application/problem+json", p.to_json(), {}};
  if (p.retry_after_seconds > 0)
    r.headers.emplace_back("Retry-After", std::to_string(p.retry_after_seconds));
  return r;
}

Response Response::text(int status, std::string body, std::string content_type) {
  return Response{status, std::move(content_type), std::move(body), {}};
}

std::optional<ParsedTarget> parse_target(const std::string& target) {
  if (target.empty() || target[0] != '/') return std::nullopt;
  ParsedTarget out;
  std::string_view t = target;
  auto q = t.find('?');
  std::string_view path = t.substr(0, q);
  std::size_t start = 1;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    auto segment = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    auto decoded = percent_decode(segment, false);
    if (!decoded) return std::nullopt;
    out.segments.push_back(std::move(*decoded));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  // "/v1/orders/" and "/v1/orders" name the same collection.
  if (!out.segments.empty() && out.segments.back().empty()) out.segments.pop_back();
  if (q != std::string_view::npos) {
    std::string_view query = t.substr(q + 1);
    while (!query.empty()) {
      auto amp = query.find('&');
      auto pair = query.substr(0, amp);
      auto eq = pair.find('=');
      auto key = percent_decode(pair.substr(0, eq), true);
      auto value = percent_decode(
          eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
      if (!key || !value) return std::nullopt;
      if (!key->empty()) out.query[*key] = *value;
      if (amp == std::string_view::npos) break;
      query = query.substr(amp + 1);
    }
  }
  return out;
}

}  // namespace xacoord::http
