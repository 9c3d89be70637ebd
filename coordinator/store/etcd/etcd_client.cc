#include "coordinator/store/etcd/etcd_client.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "coordinator/store/etcd/etcd_json.h"

namespace xacoord::etcd {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Client::Connection {
  explicit Connection(asio::any_io_executor ex) : stream(ex) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
};

// What one attempt on one member came to.
struct Client::Attempt {
  enum Outcome {
    kNotSent,   // could not connect, or failed before the request was complete on the wire
    kLost,      // the request went out, no answer came back
    kAnswered,  // an HTTP answer (any status)
  } outcome = kNotSent;
  int status = 0;
  std::string body;
  std::string error;
};

namespace {

// True if a pooled connection is still open: the member has not sent a FIN (recv would
// return 0) nor anything unasked for.
bool still_open(beast::tcp_stream& stream) {
  char byte;
  ssize_t n = ::recv(stream.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

bool writes(const std::vector<Op>& ops) {
  return std::any_of(ops.begin(), ops.end(),
                     [](const Op& op) { return !std::holds_alternative<RangeOp>(op); });
}

asio::awaitable<void> pause(std::chrono::milliseconds d, Deadline deadline) {
  auto until = std::min(Clock::now() + d, deadline);
  asio::steady_timer timer(co_await asio::this_coro::executor, until);
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

}  // namespace

Client::Client(asio::any_io_executor executor, std::vector<Endpoint> endpoints,
               ClientOptions options)
    : executor_(std::move(executor)),
      endpoints_(std::move(endpoints)),
      options_(std::move(options)),
      down_until_(endpoints_.size()),
      idle_(endpoints_.size()) {
  if (endpoints_.empty()) throw std::invalid_argument("etcd client: no endpoints");
}

Client::~Client() = default;

void Client::close_idle() {
  for (auto& pool : idle_)
    pool.clear();
}

std::unique_ptr<Client::Connection> Client::take_idle(std::size_t member) {
  auto& pool = idle_[member];
  while (!pool.empty()) {
    auto c = std::move(pool.back());
    pool.pop_back();
    if (still_open(c->stream)) return c;
    ++stats_.stale;
  }
  return nullptr;
}

void Client::give_back(std::size_t member, std::unique_ptr<Connection> connection) {
  connection->stream.expires_never();
  if (idle_[member].size() < options_.idle_connections_per_member) {
    idle_[member].push_back(std::move(connection));
  }
}

std::vector<std::size_t> Client::order_of_members() const {
  // The preferred member first, then the others in ring order; members that failed
  // recently go last (but are still tried: they may be back).
  std::vector<std::size_t> up, down;
  auto now = Clock::now();
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    std::size_t m = (preferred_ + i) % endpoints_.size();
    (down_until_[m] > now ? down : up).push_back(m);
  }
  up.insert(up.end(), down.begin(), down.end());
  return up;
}

asio::awaitable<Client::Attempt> Client::attempt(std::size_t member, std::string_view path,
                                                 const std::string& body, Deadline deadline) {
  Attempt a;
  ++stats_.attempts;
  const Endpoint& ep = endpoints_[member];
  boost::system::error_code ec;

  auto conn = take_idle(member);
  if (conn) {
    ++stats_.reused;
  } else {
    ++stats_.connects;
    conn = std::make_unique<Connection>(executor_);
    tcp::resolver resolver(executor_);
    auto results = co_await resolver.async_resolve(ep.host, std::to_string(ep.port),
                                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      a.error = "resolve " + ep.to_string() + ": " + ec.message();
      co_return a;
    }
    conn->stream.expires_at(std::min(deadline, Clock::now() + options_.connect_timeout));
    co_await conn->stream.async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      a.error = "connect " + ep.to_string() + ": " + ec.message();
      co_return a;
    }
    conn->stream.socket().set_option(tcp::no_delay(true), ec);
  }

  bhttp::request<bhttp::string_body> req{bhttp::verb::post,
                                         beast::string_view(path.data(), path.size()), 11};
  req.set(bhttp::field::host, ep.to_string());
  req.set(bhttp::field::content_type, "application/json");
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();

  const auto& hook = options_.fault_hook;
  if (hook && hook({FaultStage::kBeforeSend, member, path, body}) == FaultAction::kLoseRequest) {
    a.outcome = Attempt::kLost;
    a.error = "fault injected: request to " + ep.to_string() + " lost";
    co_return a;
  }

  conn->stream.expires_at(deadline);
  co_await bhttp::async_write(conn->stream, req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    // A failed write may still have put the whole request on the wire (the error can come
    // from the last segment's acknowledgement): only a complete answer is proof either way.
    a.outcome = Attempt::kLost;
    a.error = "write to " + ep.to_string() + ": " + ec.message();
    co_return a;
  }
  FaultAction after =
      hook ? hook({FaultStage::kAfterSend, member, path, body}) : FaultAction::kNone;

  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(256u << 20);
  co_await bhttp::async_read(conn->stream, conn->buffer, parser,
                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    a.outcome = Attempt::kLost;
    a.error = "read from " + ep.to_string() + ": " +
              (ec == beast::error::timeout ? std::string("timed out") : ec.message());
    co_return a;
  }
  if (after == FaultAction::kLoseAnswer) {
    a.outcome = Attempt::kLost;
    a.error = "fault injected: answer from " + ep.to_string() + " lost";
    co_return a;
  }
  auto res = parser.release();
  a.outcome = Attempt::kAnswered;
  a.status = static_cast<int>(res.result_int());
  a.body = std::move(res.body());
  if (res.keep_alive()) give_back(member, std::move(conn));
  co_return a;
}

asio::awaitable<json> Client::call(std::string_view path, std::string body, Kind kind,
                                   Deadline deadline, std::optional<std::size_t> only_member) {
  if (deadline == Deadline{}) deadline = Clock::now() + options_.call_timeout;
  ++stats_.calls;
  const bool write = kind == Kind::kWrite;
  std::string last_error = "no member was tried";
  std::size_t tried = 0;

  while (Clock::now() < deadline) {
    std::vector<std::size_t> members =
        only_member ? std::vector<std::size_t>{*only_member} : order_of_members();
    for (std::size_t member : members) {
      if (Clock::now() >= deadline) break;
      if (tried++ > 0) ++stats_.failovers;
      auto until = std::min(deadline, Clock::now() + options_.attempt_timeout);
      Attempt a = co_await attempt(member, path, body, until);
      const std::string where = endpoints_[member].to_string();

      if (a.outcome == Attempt::kLost && write) {
        ++stats_.ambiguous;
        down_until_[member] = Clock::now() + options_.member_down_for;
        preferred_ = (member + 1) % endpoints_.size();
        throw EtcdError(ErrorKind::kAmbiguous, "etcd " + std::string(path) +
                                                   ": answer lost, the write may be applied (" +
                                                   a.error + ")");
      }
      if (a.outcome != Attempt::kAnswered) {
        last_error = a.error;
        down_until_[member] = Clock::now() + options_.member_down_for;
        continue;
      }

      json parsed = json::parse(a.body, nullptr, false);
      if (a.status == 200) {
        if (parsed.is_discarded() || !parsed.is_object()) {
          if (write) {
            ++stats_.ambiguous;
            throw EtcdError(ErrorKind::kAmbiguous, "etcd " + std::string(path) + " at " + where +
                                                       ": unreadable answer to a write");
          }
          throw EtcdError(ErrorKind::kProtocol,
                          "etcd " + std::string(path) + " at " + where + ": answer is not JSON");
        }
        preferred_ = member;
        co_return parsed;
      }

      auto gateway = parse_error(parsed);
      int code = gateway ? gateway->code : 2;  // a non-JSON error answer counts as UNKNOWN
      std::string message =
          gateway ? gateway->message : "HTTP " + std::to_string(a.status) + " " + a.body;
      std::string what = "etcd " + std::string(path) + " at " + where + ": " + message;
      switch (classify_error_answer(code, message, write)) {
        case ErrorAnswer::kRejected:
          throw EtcdError(ErrorKind::kRejected, what, code);
        case ErrorAnswer::kMaybeApplied:
          ++stats_.ambiguous;
          throw EtcdError(ErrorKind::kAmbiguous, what + " (the write may be applied)", code);
        case ErrorAnswer::kTryElsewhere:
          last_error = what;
          down_until_[member] = Clock::now() + options_.member_down_for;
          break;
      }
    }
    co_await pause(options_.retry_pause, deadline);
  }
  throw EtcdError(ErrorKind::kUnavailable, "etcd " + std::string(path) +
                                               ": no member answered before the deadline (" +
                                               last_error + ")");
}

asio::awaitable<RangeResult> Client::range(RangeOp op, Deadline deadline) {
  co_return parse_range(
      co_await call("/v3/kv/range", encode_range(op), Kind::kIdempotent, deadline));
}

asio::awaitable<RangeResult> Client::get(std::string key, Deadline deadline) {
  co_return co_await range(etcd::get(std::move(key)), deadline);
}

asio::awaitable<RangeResult> Client::get_prefix(std::string prefix, Deadline deadline) {
  co_return co_await range(etcd::get_prefix(std::move(prefix)), deadline);
}

asio::awaitable<PutResult> Client::put(PutOp op, Deadline deadline) {
  co_return parse_put(co_await call("/v3/kv/put", encode_put(op), Kind::kWrite, deadline));
}

asio::awaitable<DeleteResult> Client::remove(DeleteOp op, Deadline deadline) {
  co_return parse_delete(
      co_await call("/v3/kv/deleterange", encode_delete(op), Kind::kWrite, deadline));
}

asio::awaitable<TxnResult> Client::txn(TxnRequest txn, Deadline deadline) {
  Kind kind = writes(txn.success) || writes(txn.failure) ? Kind::kWrite : Kind::kIdempotent;
  co_return parse_txn(co_await call("/v3/kv/txn", encode_txn(txn), kind, deadline));
}

asio::awaitable<LeaseGrant> Client::lease_grant(std::int64_t ttl_seconds, Deadline deadline) {
  // Retried like a read: a grant whose answer was lost leaves a lease nobody knows, which
  // expires after its TTL and owns no key.
  co_return parse_lease_grant(co_await call("/v3/lease/grant", encode_lease_grant(ttl_seconds),
                                            Kind::kIdempotent, deadline));
}

asio::awaitable<std::int64_t> Client::lease_keep_alive(std::int64_t id, Deadline deadline) {
  co_return parse_keepalive_ttl(
      co_await call("/v3/lease/keepalive", encode_lease_id(id), Kind::kIdempotent, deadline));
}

asio::awaitable<std::int64_t> Client::lease_time_to_live(std::int64_t id, Deadline deadline) {
  co_return parse_time_to_live(
      co_await call("/v3/lease/timetolive", encode_lease_id(id), Kind::kIdempotent, deadline));
}

asio::awaitable<void> Client::lease_revoke(std::int64_t id, Deadline deadline) {
  try {
    co_await call("/v3/lease/revoke", encode_lease_id(id), Kind::kIdempotent, deadline);
  } catch (const EtcdError& e) {
    constexpr int kNotFound = 5;
    if (e.kind() != ErrorKind::kRejected || e.grpc_code() != kNotFound) throw;
  }
}

asio::awaitable<MemberStatus> Client::status(std::size_t member, Deadline deadline) {
  if (member >= endpoints_.size()) throw std::out_of_range("etcd client: no such member");
  co_return parse_status(
      co_await call("/v3/maintenance/status", "{}", Kind::kIdempotent, deadline, member));
}

}  // namespace xacoord::etcd
