#include "participants/endpoint.h"

#include <charconv>
#include <stdexcept>

namespace xacoord::db {

Endpoint Endpoint::parse(std::string_view url) {
  constexpr std::string_view kScheme = "mysql://";
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("bad database URL '" + std::string(url) + "': " + why +
                                " (expected mysql://user[:password]@host[:port]/schema)");
  };
  if (!url.starts_with(kScheme)) fail("it must start with mysql://");
  auto rest = url.substr(kScheme.size());
  Endpoint e;
  e.port = 3306;
  auto at = rest.rfind('@');
  if (at != std::string_view::npos) {
    auto credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = credentials.find(':');
    e.user = std::string(credentials.substr(0, colon));
    if (colon != std::string_view::npos) e.password = std::string(credentials.substr(colon + 1));
  }
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) fail("the schema is missing");
  e.schema = std::string(rest.substr(slash + 1));
  auto hostport = rest.substr(0, slash);
  auto colon = hostport.rfind(':');
  if (colon != std::string_view::npos) {
    auto p = hostport.substr(colon + 1);
    int port = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec != std::errc() || end != p.data() + p.size() || port <= 0 || port > 65535)
      fail("bad port");
    e.port = port;
    hostport = hostport.substr(0, colon);
  }
  e.host = std::string(hostport);
  if (e.host.empty()) fail("the host is missing");
  if (e.user.empty()) fail("the user is missing");
  if (e.schema.empty() || e.schema.find_first_of("/?`'\" ") != std::string::npos)
    fail("bad schema");
  return e;
}

std::string Endpoint::url() const {
  return "mysql://" + user + "@" + host + ":" + std::to_string(port) + "/" + schema;
}

std::string Endpoint::address() const {
  return host + ":" + std::to_string(port);
}

}  // namespace xacoord::db
