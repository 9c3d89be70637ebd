// What the domain asks of an architecture: pay an order, cancel an order, and say whether
// anything is still in flight. One interface, five designs behind it
// (coordinator/architectures/: xa, tcc, saga, outbox, naive; docs/architectures.md), so
// one HTTP API, one workload, one fault schedule and one checker apply to all of them.
//
// Every method runs on the coordinator's io_context thread. pay and cancel answer with the
// HTTP status and JSON body the client sees (contract of docs/api.md), or throw
// ProblemError with the 4xx/5xx problem. With an Idempotency-Key, a repeat of the same
// request answers the first answer byte for byte; each architecture stores that answer
// atomically with the outcome it describes.
#pragma once

#include <utility>  // before Asio: boost/asio/awaitable.hpp uses std::exchange

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

namespace xacoord {

struct Answer {
  int status = 200;
  std::string body;       // application/json
  bool replayed = false;  // the stored answer to an earlier request with the same key
};

// An Idempotency-Key and the fingerprint of the request that carried it.
struct IdempotencyKey {
  std::string key;
  std::string fingerprint;
};

// GET /v1/status (docs/api.md).
struct ArchitectureStatus {
  std::size_t in_flight = 0;         // pays and cancels begun and not settled
  std::size_t pending_messages = 0;  // outbox rows or steps not yet delivered or applied
  bool settled() const { return in_flight == 0 && pending_messages == 0; }
};

class Architecture {
 public:
  virtual ~Architecture() = default;

  // "xa", "tcc", "saga", "outbox" or "naive".
  virtual std::string_view name() const = 0;

  // Start-up, before the coordinator reports ready: settles what an earlier run of this
  // node left (commits or rolls back, resumes or compensates). Retries while a database
  // is unreachable; returns once nothing of the earlier run is left half done.
  virtual boost::asio::awaitable<void> recover() = 0;
  // After recover(): the architecture's own background work (orphan scans, relays,
  // consumers), until stop().
  virtual boost::asio::awaitable<void> run_background() = 0;
  virtual void stop() = 0;

  virtual boost::asio::awaitable<Answer> pay(std::int64_t order_id,
                                             std::optional<IdempotencyKey> key) = 0;
  virtual boost::asio::awaitable<Answer> cancel(std::int64_t order_id,
                                                std::optional<IdempotencyKey> key) = 0;

  virtual ArchitectureStatus status() const = 0;
};

}  // namespace xacoord
