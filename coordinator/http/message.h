// HTTP requests and responses as the router sees them: plain values, independent of the
// server library, so routing and validation can be unit-tested and fuzzed without sockets.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocol/problem.h"

namespace xacoord::http {

struct Request {
  std::string method;  // GET, POST, ...
  std::string target;  // as sent: path and query
  std::string body;
  std::optional<std::string> content_type;
  std::optional<std::string> idempotency_key;
  std::optional<std::string> authorization;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response json(int status, std::string body);
  static Response problem(const Problem& p);
  static Response text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
};

// The path of a target split into percent-decoded segments, and its query parameters.
// nullopt for a target that is not origin-form or decodes badly.
struct ParsedTarget {
  std::vector<std::string> segments;
  std::map<std::string, std::string> query;
};
std::optional<ParsedTarget> parse_target(const std::string& target);

}  // namespace xacoord::http
