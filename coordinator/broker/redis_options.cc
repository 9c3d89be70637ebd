#include "coordinator/broker/redis_options.h"

#include <arpa/inet.h>

#include <charconv>
#include <stdexcept>

namespace xacoord::broker {
namespace {

bool numeric_address(const std::string& host) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

RedisOptions parse_redis_url(std::string_view url) {
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("broker URL '" + std::string(url) + "': " + why +
                                 " (expected redis://HOST:PORT, docs/broker.md)");
  };
  constexpr std::string_view scheme = "redis://";
  if (url.substr(0, scheme.size()) != scheme) throw bad("must start with redis://");
  std::string_view rest = url.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/@?#") != std::string_view::npos) {
    throw bad("no user, path or query is supported");
  }
  std::string host;
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
    auto close = rest.find(']');
    if (close == std::string_view::npos) throw bad("unclosed [");
    host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (rest.empty() || rest.front() != ':') throw bad("missing :PORT");
    port_text = rest.substr(1);
  } else {
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) throw bad("missing :PORT");
    host = std::string(rest.substr(0, colon));
    port_text = rest.substr(colon + 1);
  }
  if (host == "localhost") host = "127.0.0.1";
  if (host.empty()) throw bad("missing host");
  if (!numeric_address(host)) throw bad("host must be a numeric address or localhost");
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    throw bad("port must be 1-65535");
  }
  RedisOptions options;
  options.host = host;
  options.port = static_cast<std::uint16_t>(port);
  return options;
}

std::string to_url(const RedisOptions& options) {
  bool v6 = options.host.find(':') != std::string::npos;
  return "redis://" + (v6 ? "[" + options.host + "]" : options.host) + ":" +
         std::to_string(options.port);
}

}  // namespace xacoord::broker
