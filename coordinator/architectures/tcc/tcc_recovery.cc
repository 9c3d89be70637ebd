// Who finishes the transactions a request could not (docs/architectures/tcc.md,
// "Recovery"): start-up recovery, before ready, drives every open tcc_global row of this
// node — an undecided pay is cancelled, a decided one confirmed or cancelled as recorded, a
// refund refunded; what it could not finish, and what a request handed over with a 503, is
// retried in the background with backoff; a periodic scan adopts open rows nobody drives.
#include <map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "common/errors.h"
#include "coordinator/architectures/tcc/tcc_architecture.h"
#include "coordinator/domain/local_session.h"
#include "coordinator/observability/event_log.h"
#include "coordinator/recovery/recovery_context.h"

namespace xacoord {

namespace asio = boost::asio;
using tcc::Kind;
using tcc::Phase;
using tcc::sql::State;

namespace {

constexpr int kPage = 500;

}  // namespace

TccArchitecture::TxnPtr TccArchitecture::adopt(const tcc::sql::GlobalRow& row) const {
  auto txn = std::make_shared<tcc::Txn>();
  txn->gid = row.gid;
  txn->kind = row.kind;
  txn->order_id = row.order_id;
  txn->account_id = row.account_id;
  txn->amount_cents = row.amount_cents;
  txn->key = row.key;
  if (row.kind == Kind::kRefund) {
    txn->phase = row.state == State::kConfirmed ? Phase::kRefunded : Phase::kRefunding;
    return txn;
  }
  switch (row.state) {
    case State::kTrying:
      // Nobody can know that its payments Try committed and answered: presumed Cancel.
      txn->phase = Phase::kDecidingCancel;
      break;
    case State::kConfirming:
      txn->phase = Phase::kConfirming;
      break;
    case State::kCancelling:
      txn->phase = Phase::kCancelling;
      break;
    case State::kConfirmed:
      txn->phase = Phase::kConfirmed;
      break;
    case State::kCancelled:
      txn->phase = Phase::kCancelled;
      break;
  }
  return txn;
}

asio::awaitable<std::vector<tcc::sql::GlobalRow>> TccArchitecture::list_open() {
  std::vector<tcc::sql::GlobalRow> out;
  std::string after;
  for (;;) {
    std::vector<std::string> page;
    page.push_back(tcc::sql::list_open_sql(options_.node_id, after, kPage));
    db::Results results = co_await run_local(orders_, deadline(), std::move(page));
    std::vector<tcc::sql::GlobalRow> rows = tcc::sql::rows_from(*results.at(0));
    for (auto& r : rows)
      out.push_back(std::move(r));
    if (rows.size() < static_cast<std::size_t>(kPage)) co_return out;
    after = out.back().gid;
  }
}

asio::awaitable<void> TccArchitecture::recover() {
  std::vector<tcc::sql::GlobalRow> rows;
  std::chrono::milliseconds backoff = options_.first_backoff;
  while (!stopped_) {
    std::string error;
    try {
      rows = co_await list_open();
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (error.empty()) break;
    log_event("recovery_waiting_for_database", {{"architecture", "tcc"}, {"error", error}});
    co_await sleep_for(clock_, jittered(backoff));
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  log_event("tcc_recovery_started", {{"open", rows.size()}});
  std::map<std::string, std::size_t> outcomes;
  std::size_t deferred = 0;
  for (const auto& row : rows) {
    TxnPtr txn = adopt(row);
    driving_.insert(txn->gid);
    if (stopped_ || deferred > 0) {
      // One failure (a database out of reach) leaves the rest to the background rather
      // than waiting out a timeout for each.
      hand_to_background(txn);
      ++deferred;
      continue;
    }
    std::exception_ptr failure;
    {
      tcc::Counted counted(background_);
      try {
        co_await driver_.advance(*txn);
      } catch (...) {
        failure = std::current_exception();
      }
    }
    if (!failure) {
      ++outcomes[std::string(tcc::name_of(txn->phase))];
      driving_.erase(txn->gid);
      continue;
    }
    log_event("tcc_recovery_deferred", {{"gid", txn->gid},
                                        {"phase", std::string(tcc::name_of(txn->phase))},
                                        {"error", describe(failure)}});
    hand_to_background(txn);
    ++deferred;
  }
  listed_ = true;
  nlohmann::json finished = nlohmann::json::object();
  for (const auto& [outcome, n] : outcomes)
    finished[outcome] = n;
  log_event("tcc_recovery_finished", {{"finished", finished}, {"left_to_background", deferred}});
}

asio::awaitable<void> TccArchitecture::run_background() {
  // Open rows nobody drives: an orders Try a dead predecessor's session committed after the
  // start-up listing, or a refund's row whose close was lost with its answer.
  while (!stopped_) {
    co_await sleep_for(clock_, options_.orphan_scan_interval);
    if (stopped_) break;
    std::vector<tcc::sql::GlobalRow> rows;
    std::string error;
    try {
      rows = co_await list_open();
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (!error.empty()) {
      log_event("tcc_scan_failed", {{"error", error}});
      continue;
    }
    std::size_t found = 0;
    for (const auto& row : rows) {
      if (driving_.contains(row.gid)) continue;
      TxnPtr txn = adopt(row);
      driving_.insert(txn->gid);
      hand_to_background(txn);
      ++found;
    }
    if (found > 0) log_event("tcc_orphans_found", {{"transactions", found}});
  }
}

void TccArchitecture::hand_to_background(TxnPtr txn) {
  ++background_;
  driving_.insert(txn->gid);
  asio::co_spawn(executor_, drive_in_background(std::move(txn)), asio::detached);
}

asio::awaitable<void> TccArchitecture::drive_in_background(TxnPtr txn) {
  std::chrono::milliseconds backoff = options_.first_backoff;
  for (int attempt = 1; !stopped_; ++attempt) {
    co_await sleep_for(clock_, jittered(backoff));
    backoff = std::min(backoff * 2, options_.max_backoff);
    if (stopped_) break;
    std::exception_ptr failure;
    try {
      co_await driver_.advance(*txn);
    } catch (...) {
      failure = std::current_exception();
    }
    if (!failure) break;
    if (attempt == 1 || attempt % 20 == 0) {
      log_event("tcc_retrying", {{"gid", txn->gid},
                                 {"phase", std::string(tcc::name_of(txn->phase))},
                                 {"attempt", attempt},
                                 {"error", describe(failure)}});
    }
  }
  if (tcc::finished(txn->phase)) {
    log_event("tcc", {{"gid", txn->gid},
                      {"kind", std::string(tcc::name_of(txn->kind))},
                      {"order_id", txn->order_id},
                      {"outcome", std::string(tcc::name_of(txn->phase))},
                      {"background", true}});
    driving_.erase(txn->gid);
  }
  --background_;
}

}  // namespace xacoord
