#include "coordinator/store/etcd/etcd_endpoint.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace xacoord::etcd {

std::vector<Endpoint> parse_endpoints(std::string_view text) {
  std::string_view list = text;
  if (auto scheme = list.find("://"); scheme != std::string_view::npos) {
    if (list.substr(0, scheme) != "etcd") {
      throw std::invalid_argument("etcd endpoints: scheme must be etcd://, got '" +
                                  std::string(text) + "'");
    }
    list.remove_prefix(scheme + 3);
  }
  std::vector<Endpoint> out;
  while (true) {
    auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    auto colon = item.rfind(':');
    if (item.empty() || colon == std::string_view::npos || colon == 0) {
      throw std::invalid_argument("etcd endpoints: '" + std::string(item) +
                                  "' is not HOST:PORT (in '" + std::string(text) + "')");
    }
    std::string_view port_text = item.substr(colon + 1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      throw std::invalid_argument("etcd endpoints: bad port in '" + std::string(item) + "'");
    }
    Endpoint e{std::string(item.substr(0, colon)), static_cast<std::uint16_t>(port)};
    if (std::find(out.begin(), out.end(), e) != out.end()) {
      throw std::invalid_argument("etcd endpoints: " + e.to_string() + " is listed twice");
    }
    out.push_back(std::move(e));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace xacoord::etcd
