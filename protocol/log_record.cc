#include "protocol/log_record.h"

#include "protocol/bytes.h"

namespace xacoord {
namespace {

// Bounds that keep a damaged payload from asking for absurd allocations.
constexpr std::size_t kMaxIdBytes = 256;
constexpr std::size_t kMaxReasonBytes = 4096;
constexpr std::uint64_t kMaxBranches = 64;
constexpr std::uint64_t kMaxListEntries = 1u << 24;

void put_branches(std::string& out, const std::vector<BranchRef>& branches) {
  bytes::put_varint(out, branches.size());
  for (const auto& b : branches) {
    bytes::put_string(out, b.participant);
    bytes::put_varint(out, static_cast<std::uint64_t>(b.xid.format_id));
    bytes::put_string(out, b.xid.gtrid);
    bytes::put_string(out, b.xid.bqual);
  }
}

std::optional<std::vector<BranchRef>> get_branches(bytes::Reader& in) {
  auto n = in.varint();
  if (!n || *n > kMaxBranches) return std::nullopt;
  std::vector<BranchRef> out;
  out.reserve(*n);
  for (std::uint64_t i = 0; i < *n; ++i) {
    auto participant = in.string(kMaxIdBytes);
    auto format_id = in.varint();
    auto gtrid = in.string(kMaxGtridBytes);
    auto bqual = in.string(kMaxBqualBytes);
    if (!participant || !format_id || !gtrid || !bqual) return std::nullopt;
    out.push_back({std::move(*participant), Xid{static_cast<std::int64_t>(*format_id),
                                                std::move(*gtrid), std::move(*bqual)}});
  }
  return out;
}

void put_decision(std::string& out, const CommitDecision& d) {
  bytes::put_string(out, d.txn_id);
  bytes::put_varint(out, static_cast<std::uint64_t>(d.decided_at_ms));
  put_branches(out, d.branches);
}

std::optional<CommitDecision> get_decision(bytes::Reader& in) {
  auto txn = in.string(kMaxIdBytes);
  auto at = in.varint();
  if (!txn || !at) return std::nullopt;
  auto branches = get_branches(in);
  if (!branches) return std::nullopt;
  return CommitDecision{std::move(*txn), static_cast<std::int64_t>(*at), std::move(*branches)};
}

void put_heuristic(std::string& out, const HeuristicRecord& h) {
  bytes::put_string(out, h.txn_id);
  out.push_back(h.commit ? 1 : 0);
  bytes::put_varint(out, static_cast<std::uint64_t>(h.at_ms));
  bytes::put_string(out, h.reason);
  put_branches(out, h.branches);
}

std::optional<HeuristicRecord> get_heuristic(bytes::Reader& in) {
  auto txn = in.string(kMaxIdBytes);
  auto commit = in.byte();
  auto at = in.varint();
  auto reason = in.string(kMaxReasonBytes);
  if (!txn || !commit || *commit > 1 || !at || !reason) return std::nullopt;
  auto branches = get_branches(in);
  if (!branches) return std::nullopt;
  return HeuristicRecord{std::move(*txn), *commit == 1, static_cast<std::int64_t>(*at),
                         std::move(*reason), std::move(*branches)};
}

struct PayloadEncoder {
  std::string& out;
  void operator()(const CommitDecision& r) { put_decision(out, r); }
  void operator()(const FinishedRecord& r) { bytes::put_string(out, r.txn_id); }
  void operator()(const HeuristicRecord& r) { put_heuristic(out, r); }
  void operator()(const CheckpointRecord& r) {
    bytes::put_varint(out, r.epoch);
    bytes::put_varint(out, r.open.size());
    for (const auto& d : r.open)
      put_decision(out, d);
    bytes::put_varint(out, r.heuristics.size());
    for (const auto& h : r.heuristics)
      put_heuristic(out, h);
  }
};

std::optional<LogRecord> decode_body(RecordType type, bytes::Reader& in) {
  switch (type) {
    case RecordType::kCommitDecision: {
      auto d = get_decision(in);
      if (!d) return std::nullopt;
      return std::move(*d);
    }
    case RecordType::kFinished: {
      auto t = in.string(kMaxIdBytes);
      if (!t) return std::nullopt;
      return FinishedRecord{std::move(*t)};
    }
    case RecordType::kHeuristic: {
      auto h = get_heuristic(in);
      if (!h) return std::nullopt;
      return std::move(*h);
    }
    case RecordType::kCheckpoint: {
      CheckpointRecord c;
      auto e = in.varint();
      auto n = in.varint();
      if (!e || !n || *n > kMaxListEntries) return std::nullopt;
      c.epoch = *e;
      for (std::uint64_t i = 0; i < *n; ++i) {
        auto d = get_decision(in);
        if (!d) return std::nullopt;
        c.open.push_back(std::move(*d));
      }
      auto h = in.varint();
      if (!h || *h > kMaxListEntries) return std::nullopt;
      for (std::uint64_t i = 0; i < *h; ++i) {
        auto r = get_heuristic(in);
        if (!r) return std::nullopt;
        c.heuristics.push_back(std::move(*r));
      }
      return c;
    }
  }
  return std::nullopt;
}

}  // namespace

RecordType type_of(const LogRecord& record) {
  struct {
    RecordType operator()(const CommitDecision&) { return RecordType::kCommitDecision; }
    RecordType operator()(const FinishedRecord&) { return RecordType::kFinished; }
    RecordType operator()(const HeuristicRecord&) { return RecordType::kHeuristic; }
    RecordType operator()(const CheckpointRecord&) { return RecordType::kCheckpoint; }
  } visitor;
  return std::visit(visitor, record);
}

std::string_view name_of(RecordType type) {
  switch (type) {
    case RecordType::kCommitDecision:
      return "COMMIT";
    case RecordType::kFinished:
      return "FINISHED";
    case RecordType::kHeuristic:
      return "HEURISTIC";
    case RecordType::kCheckpoint:
      return "CHECKPOINT";
  }
  return "UNKNOWN";
}

std::string encode_payload(const LogRecord& record) {
  std::string out;
  std::visit(PayloadEncoder{out}, record);
  return out;
}

std::optional<LogRecord> decode_payload(std::uint8_t type, std::string_view payload) {
  if (type < static_cast<std::uint8_t>(RecordType::kCommitDecision) ||
      type > static_cast<std::uint8_t>(RecordType::kCheckpoint)) {
    return std::nullopt;
  }
  bytes::Reader in(payload);
  auto record = decode_body(static_cast<RecordType>(type), in);
  if (!record || !in.done()) return std::nullopt;
  return record;
}

}  // namespace xacoord
