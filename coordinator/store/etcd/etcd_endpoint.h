// Where the etcd members are: "etcd://H:P[,H:P...]" (contract of `serve --decision-store`,
// docs/scale-out.md) or the bare "H:P,H:P" list.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xacoord::etcd {

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  std::string to_string() const { return host + ":" + std::to_string(port); }
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// Throws std::invalid_argument naming what is wrong (no members, a bad port, a
// duplicate member, a scheme other than etcd://).
std::vector<Endpoint> parse_endpoints(std::string_view text);

}  // namespace xacoord::etcd
