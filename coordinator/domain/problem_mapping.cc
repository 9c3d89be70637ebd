#include "coordinator/domain/problem_mapping.h"

#include "common/errors.h"
#include "coordinator/observability/event_log.h"
#include "participants/db_error.h"
#include "participants/payments_sql.h"
#include "participants/pool.h"

namespace xacoord {

Problem problem_for(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const ProblemError& e) {
    return e.problem();
  } catch (const db::PoolExhausted& e) {
    return problems::unavailable(std::string("too many transactions in flight: ") + e.what(), 1);
  } catch (const DeadlineExceeded& e) {
    return problems::unavailable(std::string(e.what()) + "; it was rolled back, retry", 1);
  } catch (const OutcomeUnknown& e) {
    return problems::unavailable(e.what(), 1);
  } catch (const DecisionNotRecorded& e) {
    return problems::unavailable(std::string(e.what()) + "; it was rolled back, retry", 2);
  } catch (const db::DbError& e) {
    switch (e.kind()) {
      case db::ErrorKind::kConstraint:
        if (db::payments::is_short_balance(e.what())) {
          return problems::insufficient_funds("the account's balance does not cover the order");
        }
        return problems::unknown_account(
            "the order's account does not exist in the payments database");
      case db::ErrorKind::kLockTimeout:
      case db::ErrorKind::kDeadlock:
      case db::ErrorKind::kRolledBack:
        return problems::unavailable(
            std::string("the databases are busy (") + e.what() + "); nothing changed, retry", 1);
      case db::ErrorKind::kConnectionLost:
      case db::ErrorKind::kTimeout:
        return problems::unavailable(std::string("a database is unreachable (") + e.what() +
                                         "); the transaction was rolled back, retry (with the same "
                                         "Idempotency-Key if you sent one)",
                                     2);
      default:
        log_event("unexpected_database_error", {{"error", e.what()}, {"code", e.code()}});
        return problems::unavailable(std::string("database error: ") + e.what(), 2);
    }
  } catch (const std::exception& e) {
    log_event("internal_error", {{"error", e.what()}});
    return problems::internal(e.what());
  } catch (...) {
    return problems::internal("unknown error");
  }
}

}  // namespace xacoord
