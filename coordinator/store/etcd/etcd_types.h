// The parts of etcd's v3 API that xacoord uses, as plain values: what a request asks and
// what an answer holds. Keys and values are bytes; revisions, versions and lease ids are
// etcd's 64-bit numbers. Encoding to and from the JSON gateway is etcd_json.h.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace xacoord::etcd {

struct KeyValue {
  std::string key;
  std::string value;
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;
  std::int64_t version = 0;
  std::int64_t lease = 0;
  friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

struct RangeResult {
  std::int64_t revision = 0;  // the store's revision when it was read
  std::vector<KeyValue> kvs;
  std::int64_t count = 0;  // keys in the range (may exceed kvs.size() with a limit)
  bool more = false;       // the limit cut the range short
};
struct PutResult {
  std::int64_t revision = 0;
};
struct DeleteResult {
  std::int64_t revision = 0;
  std::int64_t deleted = 0;
};

// One condition of a transaction. etcd compares the key's field with the given number (or
// value); a missing key has create_revision, mod_revision, version and lease 0.
struct Compare {
  enum class Target { kVersion, kCreate, kMod, kValue, kLease };
  enum class Result { kEqual, kGreater, kLess, kNotEqual };
  std::string key;
  Target target = Target::kCreate;
  Result result = Result::kEqual;
  std::int64_t number = 0;  // kVersion, kCreate, kMod, kLease
  std::string value;        // kValue

  // The key does not exist (put-if-absent).
  static Compare absent(std::string key) { return make(std::move(key), Target::kCreate, 0); }
  // The key exists and is the very one created at `revision`: not deleted and re-created
  // since. Ownership fencing compares a lease-bound key this way.
  static Compare created_at(std::string key, std::int64_t revision) {
    return make(std::move(key), Target::kCreate, revision);
  }
  // Nobody wrote the key since `revision` (read-modify-write).
  static Compare modified_at(std::string key, std::int64_t revision) {
    return make(std::move(key), Target::kMod, revision);
  }
  static Compare value_is(std::string key, std::string value) {
    Compare c = make(std::move(key), Target::kValue, 0);
    c.value = std::move(value);
    return c;
  }
  static Compare lease_is(std::string key, std::int64_t lease) {
    return make(std::move(key), Target::kLease, lease);
  }
  static Compare make(std::string key, Target target, std::int64_t number) {
    Compare c;
    c.key = std::move(key);
    c.target = target;
    c.number = number;
    return c;
  }
};

// Reads `key`, or every key in [key, range_end) when range_end is set.
struct RangeOp {
  std::string key;
  std::string range_end;
  std::int64_t limit = 0;     // 0: no limit
  std::int64_t revision = 0;  // read as of this revision (paging one snapshot); 0: now
  bool keys_only = false;
  bool count_only = false;
  // A serializable read is answered by the member alone (may be stale); the default is
  // linearizable, through the leader's read index.
  bool serializable = false;
};
struct PutOp {
  std::string key;
  std::string value;
  std::int64_t lease = 0;  // 0: not bound to a lease
};
struct DeleteOp {
  std::string key;
  std::string range_end;
};
using Op = std::variant<RangeOp, PutOp, DeleteOp>;
using OpResult = std::variant<RangeResult, PutResult, DeleteResult>;

// The end of the range of every key starting with `prefix` (etcd's "prefix end": the
// prefix with its last byte below 0xff incremented); "\0" for an empty prefix, which etcd
// reads as "to the end".
std::string prefix_end(std::string prefix);

inline RangeOp get(std::string key) {
  RangeOp op;
  op.key = std::move(key);
  return op;
}
inline RangeOp get_prefix(std::string prefix) {
  RangeOp op;
  op.key = prefix;
  op.range_end = prefix_end(std::move(prefix));
  return op;
}
inline PutOp put(std::string key, std::string value, std::int64_t lease = 0) {
  return PutOp{std::move(key), std::move(value), lease};
}
inline DeleteOp del(std::string key) {
  DeleteOp op;
  op.key = std::move(key);
  return op;
}
inline DeleteOp del_prefix(std::string prefix) {
  DeleteOp op;
  op.key = prefix;
  op.range_end = prefix_end(std::move(prefix));
  return op;
}

// If every compare holds, `success` runs, else `failure`; atomically, as one revision.
struct TxnRequest {
  std::vector<Compare> compare;
  std::vector<Op> success;
  std::vector<Op> failure;
};
struct TxnResult {
  std::int64_t revision = 0;  // after the transaction (a put in it has this mod_revision)
  bool succeeded = false;
  std::vector<OpResult> responses;  // one per op of the branch that ran
};

struct LeaseGrant {
  std::int64_t id = 0;
  std::int64_t ttl = 0;  // seconds
};

// A member's own view (maintenance/status).
struct MemberStatus {
  std::uint64_t member_id = 0;
  std::uint64_t leader = 0;  // 0: it knows no leader
  std::uint64_t raft_term = 0;
  std::int64_t revision = 0;
  std::string version;
};

}  // namespace xacoord::etcd
