// How a call to etcd can fail, in the terms its caller must act on: above all, whether
// the request may have been applied.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace xacoord::etcd {

enum class ErrorKind {
  // No member took the request before the deadline (refused, unreachable, no leader):
  // nothing was applied.
  kUnavailable,
  // A write went out and its answer was lost (the member died, the deadline passed, or
  // etcd said its proposal timed out): it may be applied, now or later. Read back.
  kAmbiguous,
  // etcd answered with an error of the request itself (a bad request, a lease not
  // found, a transaction over --max-txn-ops): nothing was applied.
  kRejected,
  // The answer is not the gateway's JSON as we know it: nothing can be concluded, so
  // a write that meets it counts as ambiguous instead.
  kProtocol,
};

const char* name_of(ErrorKind kind);

class EtcdError : public std::runtime_error {
 public:
  EtcdError(ErrorKind kind, const std::string& what, int grpc_code = 0)
      : std::runtime_error(what), kind_(kind), grpc_code_(grpc_code) {}
  ErrorKind kind() const { return kind_; }
  // The gRPC status code etcd answered with (5 NOT_FOUND, 14 UNAVAILABLE, ...), 0 if none.
  int grpc_code() const { return grpc_code_; }
  bool ambiguous() const { return kind_ == ErrorKind::kAmbiguous; }

 private:
  ErrorKind kind_;
  int grpc_code_;
};

}  // namespace xacoord::etcd

namespace xacoord::etcd {

// What a client does with an error answer of the gateway (gRPC code and message).
enum class ErrorAnswer {
  kTryElsewhere,  // not applied; another member (or a moment later) may take it
  kMaybeApplied,  // a write's proposal may still be applied (its timeout, a stopping server)
  kRejected,      // the request itself was refused; not applied
};
// For a write, kMaybeApplied; for an idempotent call, kTryElsewhere instead.
ErrorAnswer classify_error_answer(int grpc_code, std::string_view message, bool write);

}  // namespace xacoord::etcd
