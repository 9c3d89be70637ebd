// A plain TCP connection for tests that must send what no HTTP client would: malformed
// requests, half requests, oversized headers, or nothing at all.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace xacoord::test {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  nlohmann::json json() const;  // null if the body is not JSON
};

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; throws std::system_error if that fails.
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Sends everything; false if the server closed the connection first.
  bool send(std::string_view bytes);
  // Reads one response (Content-Length framed); nullopt if the connection closes or the
  // time runs out first.
  std::optional<RawResponse> read_response(std::chrono::milliseconds timeout);
  // True once the server has closed the connection (EOF or reset) within `timeout`;
  // whatever arrives before is discarded.
  bool wait_closed(std::chrono::milliseconds timeout);

 private:
  // Appends what arrives until `deadline`; false on EOF, error or timeout.
  bool receive_more(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string received_;
};

// True if nothing accepts connections on 127.0.0.1:port (connect is refused).
bool connection_refused(std::uint16_t port);

}  // namespace xacoord::test
