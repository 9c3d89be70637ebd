// etcd's v3 JSON gateway (grpc-gateway over the gRPC API): requests as JSON bodies and
// answers parsed back, with the gateway's habits handled in one place —
//  - keys and values are base64;
//  - 64-bit numbers (revisions, versions, lease ids, counts) come as strings;
//  - a field at its default (false, 0, empty) is left out altogether, so a failed
//    transaction has no "succeeded" and a range that found nothing has no "kvs";
//  - an error is {"error","message","code"} with a gRPC status code, under an HTTP error
//    status; a streamed answer (lease keep-alive) wraps its message in {"result":...}.
// Pure functions: parse errors throw EtcdError(kProtocol).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "coordinator/store/etcd/etcd_types.h"

namespace xacoord::etcd {

// Request bodies.
std::string encode_range(const RangeOp& op);
std::string encode_put(const PutOp& op);
std::string encode_delete(const DeleteOp& op);
std::string encode_txn(const TxnRequest& txn);
std::string encode_lease_grant(std::int64_t ttl_seconds);
std::string encode_lease_id(std::int64_t id);  // revoke, keepalive, timetolive

nlohmann::json to_json(const Compare& compare);
nlohmann::json to_json(const Op& op);

// Answers. Each takes the parsed body of a 200 answer.
RangeResult parse_range(const nlohmann::json& body);
PutResult parse_put(const nlohmann::json& body);
DeleteResult parse_delete(const nlohmann::json& body);
TxnResult parse_txn(const nlohmann::json& body);
LeaseGrant parse_lease_grant(const nlohmann::json& body);
// The TTL left after a keep-alive; 0 when etcd no longer knows the lease.
std::int64_t parse_keepalive_ttl(const nlohmann::json& body);
// The TTL left (-1 when the lease is gone) from lease/timetolive.
std::int64_t parse_time_to_live(const nlohmann::json& body);
MemberStatus parse_status(const nlohmann::json& body);

// The error the gateway reported, if the body is one ({"error"|"message", "code"}).
struct GatewayError {
  int code = 0;  // gRPC status code
  std::string message;
};
std::optional<GatewayError> parse_error(const nlohmann::json& body);

// A number the gateway sent as a string (or, leniently, as a JSON number); 0 when the
// field is absent, as the gateway omits zeros. Throws EtcdError(kProtocol) otherwise.
std::int64_t number_field(const nlohmann::json& object, const char* name);
std::uint64_t unsigned_field(const nlohmann::json& object, const char* name);
// A base64 field decoded; empty when absent.
std::string bytes_field(const nlohmann::json& object, const char* name);

}  // namespace xacoord::etcd
