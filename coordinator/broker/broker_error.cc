#include "coordinator/broker/broker_error.h"

namespace xacoord::broker {

std::string_view name_of(BrokerErrc code) {
  switch (code) {
    case BrokerErrc::kUnavailable:
      return "unavailable";
    case BrokerErrc::kConnectionLost:
      return "connection_lost";
    case BrokerErrc::kTimeout:
      return "timeout";
    case BrokerErrc::kServer:
      return "server_error";
    case BrokerErrc::kProtocol:
      return "protocol_error";
  }
  return "unknown";
}

BrokerError error_from_reply(std::string_view command, std::string_view text) {
  std::string server_code(text.substr(0, text.find(' ')));
  std::string message = "redis " + std::string(command) + ": " + std::string(text);
  if (server_code == "LOADING" || server_code == "BUSY" || server_code == "MASTERDOWN") {
    return BrokerError(BrokerErrc::kUnavailable, std::move(message), std::move(server_code));
  }
  return BrokerError(BrokerErrc::kServer, std::move(message), std::move(server_code));
}

}  // namespace xacoord::broker
