// Who finishes the sagas a request could not (docs/architectures/saga.md, "Recovery"):
// start-up recovery, before ready, drives every saga an earlier run left open; the sagas it
// could not finish, and those a request handed over with a 503, are retried in the
// background with backoff; and a periodic scan adopts open log rows nobody drives.
#include <map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "common/errors.h"
#include "coordinator/architectures/saga/saga_architecture.h"
#include "coordinator/observability/event_log.h"
#include "coordinator/recovery/recovery_context.h"
#include "participants/db_error.h"

namespace xacoord {

namespace asio = boost::asio;
using saga::Kind;
using saga::Phase;

namespace {

// A failure that says the database itself is out of reach, not just this saga's step:
// start-up recovery then leaves the other sagas to the background instead of waiting out
// a timeout for each.
bool database_unreachable(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const db::DbError& e) {
    return e.connection_unusable() || e.no_session();
  } catch (const db::PoolExhausted&) {
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace

SagaArchitecture::SagaPtr SagaArchitecture::adopt(const saga::log_sql::Row& row) {
  auto s = std::make_shared<saga::Saga>();
  s->id = row.saga_id;
  s->kind = row.kind;
  s->phase = row.kind == Kind::kPay ? Phase::kCharged : Phase::kRefundDue;
  s->order_id = row.order_id;
  s->account_id = row.account_id;
  s->amount_cents = row.amount_cents;
  s->key = row.key;
  s->first_step_committed = clock_.now() - row.age;
  open_.add(s);
  return s;
}

asio::awaitable<void> SagaArchitecture::recover() {
  start_closer();
  std::vector<saga::log_sql::Row> rows = co_await recovery_.fence_and_list(stopped_);
  std::size_t pays = 0;
  for (const auto& r : rows)
    pays += r.kind == Kind::kPay ? 1 : 0;
  log_event("saga_recovery_started", {{"open_pays", pays}, {"open_cancels", rows.size() - pays}});
  std::map<std::string, std::size_t> outcomes;
  std::size_t deferred = 0;
  bool unreachable = false;
  for (const auto& row : rows) {
    SagaPtr s = adopt(row);
    if (unreachable || stopped_) {
      hand_to_background(s);
      ++deferred;
      continue;
    }
    std::exception_ptr failure;
    {
      saga::Counted counted(background_);
      try {
        co_await driver_.advance(*s);
      } catch (...) {
        failure = std::current_exception();
      }
    }
    if (!failure) {
      ++outcomes[std::string(saga::name_of(s->phase))];
      finish(s);
      continue;
    }
    log_event("saga_recovery_deferred", {{"saga_id", s->id},
                                         {"phase", std::string(saga::name_of(s->phase))},
                                         {"error", describe(failure)}});
    unreachable = database_unreachable(failure);
    hand_to_background(s);
    ++deferred;
  }
  listed_ = true;
  nlohmann::json finished = nlohmann::json::object();
  for (const auto& [outcome, n] : outcomes)
    finished[outcome] = n;
  log_event("saga_recovery_finished", {{"finished", finished}, {"left_to_background", deferred}});
}

asio::awaitable<void> SagaArchitecture::run_background() {
  // Sagas that nobody drives: a charge its dead predecessor's session committed after the
  // start-up listing, or a close that was dropped. Rare; the scan is cheap (an index).
  while (!stopped_) {
    co_await sleep_for(clock_, options_.orphan_scan_interval);
    if (stopped_) break;
    std::vector<saga::log_sql::Row> rows;
    std::string error;
    try {
      rows = co_await recovery_.list_open();
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (!error.empty()) {
      log_event("saga_scan_failed", {{"error", error}});
      continue;
    }
    std::size_t found = 0;
    for (const auto& row : rows) {
      if (open_.knows(row.saga_id) || closer_.pending_for(row.saga_id)) continue;
      hand_to_background(adopt(row));
      ++found;
    }
    if (found > 0) log_event("saga_orphans_found", {{"sagas", found}});
  }
}

void SagaArchitecture::hand_to_background(SagaPtr s) {
  ++background_;
  asio::co_spawn(executor_, drive_in_background(std::move(s)), asio::detached);
}

asio::awaitable<void> SagaArchitecture::drive_in_background(SagaPtr s) {
  std::chrono::milliseconds backoff = options_.first_backoff;
  for (int attempt = 1; !stopped_; ++attempt) {
    co_await sleep_for(clock_, jittered(backoff));
    backoff = std::min(backoff * 2, options_.max_backoff);
    if (stopped_) break;
    std::exception_ptr failure;
    try {
      co_await driver_.advance(*s);
    } catch (...) {
      failure = std::current_exception();
    }
    if (!failure) break;
    if (attempt == 1 || attempt % 20 == 0) {
      log_event("saga_retrying", {{"saga_id", s->id},
                                  {"phase", std::string(saga::name_of(s->phase))},
                                  {"attempt", attempt},
                                  {"error", describe(failure)}});
    }
  }
  if (saga::finished(s->phase)) finish(s);
  --background_;
}

}  // namespace xacoord
