// Network partitions on loopback, the way Jepsen makes them: real packets silently dropped
// by nftables, both ways, no reset (docs/reliability.md, "Partitions"). `tc netem` is not
// in this kernel; nftables is (Debian's `nftables`, root).
//
// Each PacketFilter owns one nftables table of its own (named after the process and a
// counter), so tests running at once never touch each other's rules; the destructor
// deletes it. Rules match a server's port (every connection to it) or a client's port
// (one connection).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xacoord::harness {

class PacketFilter {
 public:
  // Creates the table; throws std::runtime_error (with nft's message) if nft cannot.
  PacketFilter();
  ~PacketFilter();
  PacketFilter(const PacketFilter&) = delete;
  PacketFilter& operator=(const PacketFilter&) = delete;

  // Whether this machine lets us filter packets (nft present, and we may use it).
  static bool available(std::string* why = nullptr);

  // Drops every packet to and from `server_port` on loopback, both directions.
  void cut_server_port(std::uint16_t server_port);
  // Drops every packet of the connections whose client side is one of `client_ports`.
  void cut_client_ports(const std::vector<std::uint16_t>& client_ports);
  // Removes every rule: the partition heals (what was dropped is retransmitted by TCP).
  void heal();
  bool cut() const { return cut_; }

 private:
  void nft(const std::string& command);
  std::string table_;
  bool cut_ = false;
};

// The client port of a processlist HOST value ("127.0.0.1:54321"), 0 if none.
std::uint16_t client_port_of(const std::string& host);

}  // namespace xacoord::harness
