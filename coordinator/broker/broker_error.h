// Errors of the broker client, reduced to what a caller must decide on (docs/broker.md,
// "Errors"): was the command never sent (retry freely), sent with its outcome unknown
// (retry only what is idempotent: publishing is, through its msg_id), or answered with an
// error by Redis (the command took no effect).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace xacoord::broker {

enum class BrokerErrc {
  kUnavailable,     // no connection within the deadline, or Redis still loading: not executed
  kConnectionLost,  // the connection dropped after the command was sent: outcome unknown
  kTimeout,         // sent, no reply by the deadline (the connection is closed): outcome unknown
  kServer,          // Redis answered with an error reply (NOGROUP, WRONGTYPE...): no effect
  kProtocol,        // a reply of a shape the command never returns: a Redis we do not support
};

std::string_view name_of(BrokerErrc code);

class BrokerError : public std::runtime_error {
 public:
  BrokerError(BrokerErrc code, std::string message, std::string server_code = {})
      : std::runtime_error(std::move(message)), code_(code), server_code_(std::move(server_code)) {}

  BrokerErrc code() const { return code_; }
  // The first word of Redis's error reply ("NOGROUP", "BUSYGROUP", "ERR"...), for kServer.
  const std::string& server_code() const { return server_code_; }
  // The command may or may not have taken effect.
  bool outcome_unknown() const {
    return code_ == BrokerErrc::kConnectionLost || code_ == BrokerErrc::kTimeout;
  }
  bool is_server_error(std::string_view server_code) const {
    return code_ == BrokerErrc::kServer && server_code_ == server_code;
  }

 private:
  BrokerErrc code_;
  std::string server_code_;
};

// The error for Redis's error reply `text` to `command`. -LOADING (replaying its
// append-only file after a restart), -BUSY (a script runs) and -MASTERDOWN mean the
// server did not run the command and will later: kUnavailable. Everything else: kServer.
BrokerError error_from_reply(std::string_view command, std::string_view text);

}  // namespace xacoord::broker
