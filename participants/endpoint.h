// Where a participant lives: mysql://user[:password]@host[:port]/schema, plus timeouts.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace xacoord::db {

struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string user = "root";
  std::string password;
  std::string schema;

  // Throws std::invalid_argument with a readable message on a malformed URL.
  static Endpoint parse(std::string_view url);
  std::string url() const;      // without the password
  std::string address() const;  // host:port
};

// Every blocking call is bounded, so a server that hangs or vanishes turns into an error
// within these limits instead of a hung request.
struct Timeouts {
  std::chrono::seconds connect{2};
  std::chrono::seconds read{10};  // a read that long means the server is gone or stopped
  std::chrono::seconds write{10};
  int lock_wait_seconds = 5;  // session innodb_lock_wait_timeout
};

}  // namespace xacoord::db
