// An etcd v3 client over the JSON gateway that every member serves on its client port,
// with Boost.Beast on the caller's io_context (docs/scale-out.md, "The etcd client").
//
//  - Every call is an awaitable with a deadline (the default: ClientOptions::call_timeout
//    from now). Failures throw EtcdError (etcd_error.h); its kind says whether the request
//    may have been applied.
//  - Several members: a call goes to the member that answered last; on a connection error,
//    a timeout of one attempt (attempt_timeout) or an "unavailable" answer it fails over to
//    the next member, until the deadline. A member that failed is tried last for a while.
//  - Reads, lease calls and read-only transactions are idempotent and simply retried. A
//    write (put, delete, a transaction that writes) whose request went out and whose
//    answer was lost is never re-sent: it throws kAmbiguous, and the caller reads back.
//  - HTTP/1.1 keep-alive: each member has a small pool of idle connections, so a call
//    costs one round trip. A pooled connection the member closed meanwhile is noticed
//    (a zero-byte peek) and dropped before it is used.
//
// Not thread-safe: use one client from one io_context thread (or one strand), and keep it
// alive until every call on it has completed.
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "coordinator/store/etcd/etcd_endpoint.h"
#include "coordinator/store/etcd/etcd_error.h"
#include "coordinator/store/etcd/etcd_types.h"

namespace xacoord::etcd {

using Deadline = std::chrono::steady_clock::time_point;

// Fault injection for tests, at the HTTP level of one attempt.
enum class FaultStage { kBeforeSend, kAfterSend };
enum class FaultAction {
  kNone,
  kLoseRequest,  // at kBeforeSend: send nothing, but report the answer lost (ambiguous)
  kLoseAnswer,   // at kAfterSend: read the answer, then report it lost (ambiguous)
};
struct FaultPoint {
  FaultStage stage;
  std::size_t member;  // index into endpoints()
  std::string_view path;
  std::string_view body;
};
using FaultHook = std::function<FaultAction(const FaultPoint&)>;

struct ClientOptions {
  std::chrono::milliseconds call_timeout{5000};     // a call's default deadline
  std::chrono::milliseconds attempt_timeout{2000};  // one member's share of a call
  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds member_down_for{2000};  // a failed member is tried last
  std::chrono::milliseconds retry_pause{50};        // between rounds over all members
  std::size_t idle_connections_per_member = 16;
  FaultHook fault_hook;  // tests only
};

struct ClientStats {
  std::uint64_t calls = 0;
  std::uint64_t attempts = 0;
  std::uint64_t failovers = 0;  // attempts that moved on to another member
  std::uint64_t connects = 0;   // new TCP connections
  std::uint64_t reused = 0;     // attempts on a pooled connection
  std::uint64_t stale = 0;      // pooled connections found closed and dropped
  std::uint64_t ambiguous = 0;  // writes whose answer was lost
};

class Client {
 public:
  Client(boost::asio::any_io_executor executor, std::vector<Endpoint> endpoints,
         ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  boost::asio::awaitable<RangeResult> range(RangeOp op, Deadline deadline = {});
  boost::asio::awaitable<RangeResult> get(std::string key, Deadline deadline = {});
  boost::asio::awaitable<RangeResult> get_prefix(std::string prefix, Deadline deadline = {});
  boost::asio::awaitable<PutResult> put(PutOp op, Deadline deadline = {});
  boost::asio::awaitable<DeleteResult> remove(DeleteOp op, Deadline deadline = {});
  boost::asio::awaitable<TxnResult> txn(TxnRequest txn, Deadline deadline = {});

  boost::asio::awaitable<LeaseGrant> lease_grant(std::int64_t ttl_seconds, Deadline deadline = {});
  // Renews the lease once; returns its TTL in seconds, 0 if etcd no longer knows it.
  boost::asio::awaitable<std::int64_t> lease_keep_alive(std::int64_t id, Deadline deadline = {});
  // Seconds left, -1 if the lease is gone.
  boost::asio::awaitable<std::int64_t> lease_time_to_live(std::int64_t id, Deadline deadline = {});
  // Revokes the lease and deletes its keys; a lease already gone is not an error.
  boost::asio::awaitable<void> lease_revoke(std::int64_t id, Deadline deadline = {});

  // One member's own status, asked of that member only (no failover).
  boost::asio::awaitable<MemberStatus> status(std::size_t member, Deadline deadline = {});

  const std::vector<Endpoint>& endpoints() const { return endpoints_; }
  boost::asio::any_io_executor executor() const { return executor_; }
  // The member the next call goes to first.
  std::size_t preferred() const { return preferred_; }
  const ClientStats& stats() const { return stats_; }
  const ClientOptions& options() const { return options_; }
  void set_fault_hook(FaultHook hook) { options_.fault_hook = std::move(hook); }
  // Closes the pooled connections (the next call connects anew).
  void close_idle();

  // now + d, for callers that build deadlines.
  static Deadline after(std::chrono::milliseconds d) {
    return std::chrono::steady_clock::now() + d;
  }

 private:
  struct Connection;
  struct Attempt;
  enum class Kind { kIdempotent, kWrite };

  boost::asio::awaitable<nlohmann::json> call(std::string_view path, std::string body, Kind kind,
                                              Deadline deadline,
                                              std::optional<std::size_t> only_member = {});
  boost::asio::awaitable<Attempt> attempt(std::size_t member, std::string_view path,
                                          const std::string& body, Deadline deadline);
  std::unique_ptr<Connection> take_idle(std::size_t member);
  void give_back(std::size_t member, std::unique_ptr<Connection> connection);
  std::vector<std::size_t> order_of_members() const;

  boost::asio::any_io_executor executor_;
  std::vector<Endpoint> endpoints_;
  ClientOptions options_;
  std::size_t preferred_ = 0;
  std::vector<std::chrono::steady_clock::time_point> down_until_;
  std::vector<std::vector<std::unique_ptr<Connection>>> idle_;
  ClientStats stats_;
};

}  // namespace xacoord::etcd
