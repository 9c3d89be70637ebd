// Is each database answering? A ping per participant every interval, on a session of its
// own with short timeouts, so /healthz and new requests learn of an outage in about a
// second instead of each waiting for its own connect timeout. Read by the domain (503
// before trying a server known to be down) and by the HTTP routes (/healthz).
#pragma once

#include <utility>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "participants/pool.h"
#include "participants/session.h"

namespace xacoord {

class HealthMonitor {
 public:
  HealthMonitor(std::vector<db::Pool*> participants, std::chrono::milliseconds interval);
  ~HealthMonitor();

  // Pings every participant forever (until stop()).
  boost::asio::awaitable<void> run();
  void stop() { stopped_ = true; }

  bool up(const std::string& participant) const;
  bool all_up() const;
  // Throws ProblemError 503 (with Retry-After) if the participant is known to be down.
  void require_up(const db::Pool& pool) const;

 private:
  struct Probe {
    db::Pool* pool;
    std::unique_ptr<db::Session> session;
    bool up = false;
    std::string last_error;
  };
  std::map<std::string, Probe> probes_;
  std::chrono::milliseconds interval_;
  bool stopped_ = false;
};

}  // namespace xacoord
