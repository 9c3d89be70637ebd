// A small blocking HTTP/1.1 client with keep-alive, for the CLI (txn, demo), chaos,
// bench and the tests. Network failures throw std::system_error.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace xacoord {

struct HttpReply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  nlohmann::json json() const;                 // the body parsed; null if it is not JSON
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  HttpClient(std::string host, std::uint16_t port,
             std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  HttpReply request(const std::string& method, const std::string& target,
                    const std::string& body = "", const HttpHeaders& headers = {});
  HttpReply get(const std::string& target) { return request("GET", target); }
  HttpReply post_json(const std::string& target, const nlohmann::json& body,
                      const HttpHeaders& headers = {});
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "http://host:port" or "host:port" into its parts; throws std::invalid_argument.
std::pair<std::string, std::uint16_t> parse_server_address(const std::string& address);

}  // namespace xacoord
