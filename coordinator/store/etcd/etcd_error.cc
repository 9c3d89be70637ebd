#include "coordinator/store/etcd/etcd_error.h"

namespace xacoord::etcd {

const char* name_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUnavailable:
      return "unavailable";
    case ErrorKind::kAmbiguous:
      return "ambiguous";
    case ErrorKind::kRejected:
      return "rejected";
    case ErrorKind::kProtocol:
      return "protocol";
  }
  return "?";
}

ErrorAnswer classify_error_answer(int grpc_code, std::string_view message, bool write) {
  auto has = [&](std::string_view s) { return message.find(s) != std::string_view::npos; };
  // Refused before anything was proposed (etcdserver/api/v3rpc/rpctypes; raft drops a
  // proposal on a member that knows no leader, as during an election): safe to resend.
  if (has("etcdserver: no leader") || has("too many requests") || has("not capable") ||
      has("unhealthy cluster") || has("raft proposal dropped")) {
    return ErrorAnswer::kTryElsewhere;
  }
  constexpr int kCancelled = 1, kUnknown = 2, kDeadlineExceeded = 4, kInternal = 13,
                kUnavailable = 14;
  switch (grpc_code) {
    // "request timed out" (possibly due to leader failure or lost connection), "leader
    // changed", "server stopped", the gateway's own gRPC connection closing: the proposal
    // may be in the raft log already and be applied later.
    case kCancelled:
    case kUnknown:
    case kDeadlineExceeded:
    case kInternal:
    case kUnavailable:
      return write ? ErrorAnswer::kMaybeApplied : ErrorAnswer::kTryElsewhere;
    default:
      return ErrorAnswer::kRejected;
  }
}

}  // namespace xacoord::etcd
