// Idempotency-Key: a repeat of the same request gets the first answer, byte for byte,
// also after a crash; the same key on another request is a 422 (docs/api.md).
//
// Every architecture stores the answer in the orders database in the same local or XA
// transaction as the outcome it describes, so the key exists exactly when the outcome
// does; and reads it after locking the order row, so an earlier request with the key that
// is still committing is waited for, never raced.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/domain/architecture.h"
#include "coordinator/observability/coordinator_metrics.h"
#include "participants/rows.h"

namespace xacoord {

class Idempotency {
 public:
  Idempotency(CoordinatorMetrics& metrics, std::chrono::seconds retention)
      : metrics_(metrics), retention_(retention) {}

  // The statement that reads the key's stored answer (none without a key).
  std::optional<std::string> find_sql(const std::optional<IdempotencyKey>& key) const;
  // The stored answer to replay, if the key has an unexpired one; throws ProblemError 422
  // if it was stored for another request. `rows` is the result of find_sql.
  std::optional<Answer> stored_answer(const std::optional<IdempotencyKey>& key,
                                      const db::Rows& rows) const;
  // Statements that store `answer` under the key (none without a key). `found` is the
  // result of find_sql: an expired answer still holds the key's row and is replaced.
  std::vector<std::string> store_sql(const std::optional<IdempotencyKey>& key, const Answer& answer,
                                     const db::Rows* found) const;

  std::chrono::seconds retention() const { return retention_; }

 private:
  CoordinatorMetrics& metrics_;
  std::chrono::seconds retention_;
};

}  // namespace xacoord
