#include "coordinator/domain/idempotency.h"

#include "participants/orders_sql.h"
#include "protocol/problem.h"

namespace xacoord {

std::optional<std::string> Idempotency::find_sql(const std::optional<IdempotencyKey>& key) const {
  if (!key) return std::nullopt;
  return db::orders::find_answer_sql(key->key, retention_);
}

std::optional<Answer> Idempotency::stored_answer(const std::optional<IdempotencyKey>& key,
                                                 const db::Rows& rows) const {
  if (!key) return std::nullopt;
  auto stored = db::orders::answer_from(rows);
  if (!stored || stored->expired) return std::nullopt;
  if (stored->fingerprint != key->fingerprint) {
    throw ProblemError(problems::idempotency_key_reused(
        "this Idempotency-Key was first used for a different request; use a new key"));
  }
  metrics_.idempotent_replay();
  return Answer{stored->http_status, stored->body, /*replayed=*/true};
}

std::vector<std::string> Idempotency::store_sql(const std::optional<IdempotencyKey>& key,
                                                const Answer& answer, const db::Rows* found) const {
  if (!key) return {};
  std::vector<std::string> statements;
  if (found && db::orders::answer_from(*found))
    statements.push_back(db::orders::delete_answer_sql(key->key));
  statements.push_back(
      db::orders::store_answer_sql(key->key, key->fingerprint, answer.status, answer.body));
  return statements;
}

}  // namespace xacoord
