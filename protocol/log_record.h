// What the decision log holds (docs/decision-log.md): the records and their encoding.
// Framing (length, type, CRC) belongs to the log's writer and reader; this file is only
// the payloads, so it stays pure and can be fuzzed and unit-tested without files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/xid.h"

namespace xacoord {

// One branch of a decided transaction: which participant, and the xid it was prepared as.
struct BranchRef {
  std::string participant;
  Xid xid;
  friend bool operator==(const BranchRef&, const BranchRef&) = default;
};

// The commit decision: every branch is prepared, so the transaction will commit. Once this
// record is durable, phase two is retried until every branch is committed.
struct CommitDecision {
  std::string txn_id;
  std::int64_t decided_at_ms = 0;  // Unix time, for operators
  std::vector<BranchRef> branches;
  friend bool operator==(const CommitDecision&, const CommitDecision&) = default;
};

// Phase two is confirmed on every branch: recovery has nothing left to do for it.
struct FinishedRecord {
  std::string txn_id;
  friend bool operator==(const FinishedRecord&, const FinishedRecord&) = default;
};

// An operator's forced outcome for an in-doubt transaction (`xacoord txn commit|rollback
// --force`). A forced commit acts as a commit decision; both are kept until finished.
struct HeuristicRecord {
  std::string txn_id;
  bool commit = false;
  std::int64_t at_ms = 0;
  std::string reason;
  std::vector<BranchRef> branches;
  friend bool operator==(const HeuristicRecord&, const HeuristicRecord&) = default;
};

// First record of every segment: the whole state that still matters, so no older
// segment is needed to recover (decisions not yet finished, the epoch, heuristics).
// Every start of the coordinator writes a new segment with the next epoch; transaction
// ids carry it (protocol/txn_id.h), so they never repeat across restarts.
struct CheckpointRecord {
  std::uint64_t epoch = 0;
  std::vector<CommitDecision> open;
  std::vector<HeuristicRecord> heuristics;
  friend bool operator==(const CheckpointRecord&, const CheckpointRecord&) = default;
};

using LogRecord = std::variant<CommitDecision, FinishedRecord, HeuristicRecord, CheckpointRecord>;

// Record types as stored in the frame's type byte. Values are part of the on-disk format.
enum class RecordType : std::uint8_t {
  kCommitDecision = 1,
  kFinished = 2,
  kHeuristic = 3,
  kCheckpoint = 4,
};

RecordType type_of(const LogRecord& record);
std::string_view name_of(RecordType type);

// The payload of `record` (without type or framing).
std::string encode_payload(const LogRecord& record);
// Parses a payload of the given type byte; nullopt if the type is unknown or the payload
// is malformed in any way (truncated, overlong, trailing bytes).
std::optional<LogRecord> decode_payload(std::uint8_t type, std::string_view payload);

}  // namespace xacoord
