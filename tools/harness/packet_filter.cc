#include "tools/harness/packet_filter.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <stdexcept>

namespace xacoord::harness {

namespace {

std::string run(const std::string& command, int* status) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) {
    *status = -1;
    return "popen failed";
  }
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe))
    output += buffer;
  *status = ::pclose(pipe);
  return output;
}

}  // namespace

bool PacketFilter::available(std::string* why) {
  int status = 0;
  std::string out = run("nft list tables", &status);
  if (status != 0 && why) *why = "nft cannot run here (needs nftables and root): " + out;
  return status == 0;
}

PacketFilter::PacketFilter() {
  static std::atomic<int> counter{0};
  table_ = "xacoord_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  nft("add table inet " + table_);
  // Output and input both: on loopback a packet passes both hooks, and a rule in each
  // direction makes the cut symmetric whichever side sends.
  nft("add chain inet " + table_ + " out { type filter hook output priority 0 ; }");
  nft("add chain inet " + table_ + " in { type filter hook input priority 0 ; }");
}

PacketFilter::~PacketFilter() {
  int status = 0;
  run("nft delete table inet " + table_, &status);
}

void PacketFilter::nft(const std::string& command) {
  int status = 0;
  // One argument, quoted: the shell must not see nft's braces and semicolons.
  std::string out = run("nft '" + command + "'", &status);
  if (status != 0) throw std::runtime_error("nft " + command + ": " + out);
}

void PacketFilter::cut_server_port(std::uint16_t port) {
  const std::string p = std::to_string(port);
  for (const char* chain : {"out", "in"}) {
    nft("add rule inet " + table_ + " " + chain + " ip daddr 127.0.0.1 tcp dport " + p + " drop");
    nft("add rule inet " + table_ + " " + chain + " ip saddr 127.0.0.1 tcp sport " + p + " drop");
  }
  cut_ = true;
}

void PacketFilter::cut_client_ports(const std::vector<std::uint16_t>& ports) {
  for (std::uint16_t port : ports) {
    const std::string p = std::to_string(port);
    for (const char* chain : {"out", "in"}) {
      nft("add rule inet " + table_ + " " + chain + " ip saddr 127.0.0.1 tcp sport " + p + " drop");
      nft("add rule inet " + table_ + " " + chain + " ip daddr 127.0.0.1 tcp dport " + p + " drop");
    }
  }
  if (!ports.empty()) cut_ = true;
}

void PacketFilter::heal() {
  nft("flush table inet " + table_);
  cut_ = false;
}

std::uint16_t client_port_of(const std::string& host) {
  auto colon = host.rfind(':');
  if (colon == std::string::npos) return 0;
  try {
    return static_cast<std::uint16_t>(std::stoi(host.substr(colon + 1)));
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace xacoord::harness
