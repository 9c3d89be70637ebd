#include "coordinator/observability/scheduled_reconciliation.h"

#include <algorithm>
#include <exception>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/check.h"
#include "coordinator/observability/event_log.h"
#include "participants/sql_text.h"
#include "participants/xa_sql.h"

namespace xacoord {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr int kInvariants = 4;

std::string key_of(const reconcile::Discrepancy& d) {
  return std::to_string(d.invariant) + "/" + d.subject();
}

const db::Rows& rows_of(const db::Results& results, std::size_t i) {
  XA_CHECK(i < results.size() && results[i].has_value(), "a SELECT of the batch has no rows");
  return *results[i];
}

std::string in_list(const std::set<std::int64_t>& ids) {
  std::string out;
  for (auto id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out;
}

std::string in_list(const std::set<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty()) out += ',';
    out += db::quote(id);
  }
  return out;
}

asio::awaitable<void> pause_for(std::chrono::milliseconds how_long) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(how_long);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace

ScheduledReconciliation::ScheduledReconciliation(db::SessionFactory& orders,
                                                 db::SessionFactory& payments,
                                                 metrics::Registry& registry, Options options)
    : options_(std::move(options)),
      registry_(registry),
      duration_seconds_(registry.gauge("xacoord_reconcile_duration_seconds",
                                       "How long the last scheduled reconciliation took")),
      runs_(registry.counter("xacoord_reconcile_runs_total",
                             "Scheduled reconciliations finished since start")),
      failures_(registry.counter("xacoord_reconcile_failures_total",
                                 "Scheduled reconciliations that could not finish (a database "
                                 "unreachable, a re-check that waited too long for a lock)")),
      transient_(registry.counter("xacoord_reconcile_transient_findings_total",
                                  "Snapshot findings the locking re-check did not find again "
                                  "(XA's window between its two commits, not discrepancies)")) {
  XA_CHECK(options_.every.count() > 0, "the reconciliation period must be positive");
  scope_.account_prefix = options_.account_prefix;
  scope_.node_id = options_.node_id;
  scope_.check_prepared = true;
  for (db::SessionFactory* factory : {&orders, &payments}) {
    db::Timeouts timeouts = factory->timeouts();
    // A snapshot of a large table takes a while to stream; a lock wait must not.
    timeouts.read = std::max(timeouts.read, std::chrono::seconds(120));
    timeouts.lock_wait_seconds = options_.lock_wait_seconds;
    (factory == &orders ? orders_ : payments_) = factory->make_session("reconcile", timeouts);
  }
  for (int invariant = 1; invariant <= kInvariants; ++invariant) {
    discrepancies_[invariant] = &registry.gauge(
        "xacoord_reconcile_discrepancies",
        "Discrepancies the last scheduled reconciliation found and re-checked, per invariant "
        "of docs/reliability.md",
        {{"invariant", std::to_string(invariant)}});
  }
  last_report_ = nullptr;
}

ScheduledReconciliation::~ScheduledReconciliation() = default;

asio::awaitable<void> ScheduledReconciliation::run() {
  while (!stopped_) {
    std::string error;
    try {
      co_await run_once();
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (!error.empty()) {
      // Remembered and reported; the next run starts from scratch on fresh sessions.
      ++failure_count_;
      failures_.inc();
      last_error_ = error;
      log_event("reconcile_failed", {{"error", error}});
    }
    co_await pause_for(options_.every);
  }
}

asio::awaitable<void> ScheduledReconciliation::run_once() {
  auto started = std::chrono::steady_clock::now();
  reconcile::Tables tables = co_await read_snapshots();
  reconcile::Report found = reconcile::check(tables, scope_);

  reconcile::Report confirmed;
  confirmed.orders = found.orders;
  confirmed.payments = found.payments;
  confirmed.accounts = found.accounts;
  confirmed.notes = found.notes;
  std::vector<reconcile::Discrepancy> to_recheck;
  std::size_t deferred = 0;
  std::set<std::string> prepared_now;
  for (const auto& d : found.discrepancies) {
    if (d.invariant != 4) {
      // Bounded: what is over the limit is found again, and re-checked, by a later run.
      if (to_recheck.size() < options_.max_rechecked) {
        to_recheck.push_back(d);
      } else {
        ++deferred;
      }
      continue;
    }
    // A branch prepared now is normal in flight; one the last run saw too is not.
    std::string key = key_of(d);
    if (prepared_before_.contains(key)) confirmed.discrepancies.push_back(d);
    prepared_now.insert(std::move(key));
  }
  prepared_before_ = std::move(prepared_now);
  confirmed.prepared_branches = confirmed.count(4);

  if (deferred > 0) {
    confirmed.notes.push_back(std::to_string(deferred) +
                              " snapshot findings over the re-check limit wait for a later run");
  }
  std::size_t transient = 0;
  if (!to_recheck.empty()) {
    co_await pause_for(options_.recheck_after);
    reconcile::Report again = co_await recheck(to_recheck);
    std::set<std::string> found_keys;
    for (const auto& d : to_recheck)
      found_keys.insert(key_of(d));
    std::set<std::string> again_keys;
    for (const auto& d : again.discrepancies) {
      // The re-check reads more rows than the findings name (every payment of an account);
      // only what it confirms of the snapshot's findings counts.
      if (!found_keys.contains(key_of(d))) continue;
      again_keys.insert(key_of(d));
      confirmed.discrepancies.push_back(d);
    }
    for (const auto& d : to_recheck) {
      if (!again_keys.contains(key_of(d))) ++transient;
    }
  }
  publish(confirmed, transient, std::chrono::steady_clock::now() - started);
}

asio::awaitable<reconcile::Tables> ScheduledReconciliation::read_snapshots() {
  reconcile::Tables tables;
  const std::string where = reconcile::where_account_prefix(options_.account_prefix);
  if (!has_funded_) {
    std::vector<std::string> show;
    show.push_back(reconcile::show_funded_column());
    db::Results shown = co_await payments_->batch(std::move(show));
    has_funded_ = !rows_of(shown, 0).empty();
  }
  tables.has_funded = *has_funded_;

  // One read-only snapshot per server: no row lock taken, none waited for.
  std::vector<std::string> on_orders;
  on_orders.push_back("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
  on_orders.push_back(reconcile::select_orders(where));
  on_orders.push_back("COMMIT");
  on_orders.push_back(db::xa::recover());
  db::Results orders = co_await orders_->batch(std::move(on_orders));
  tables.orders = reconcile::parse_orders(rows_of(orders, 1));
  for (const Xid& xid : db::xa::parse_recover(rows_of(orders, 3)))
    tables.prepared.push_back({"orders", xid});

  std::vector<std::string> on_payments;
  on_payments.push_back("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
  on_payments.push_back(reconcile::select_payments(where));
  on_payments.push_back(reconcile::select_accounts(where, tables.has_funded));
  on_payments.push_back("COMMIT");
  on_payments.push_back(db::xa::recover());
  db::Results payments = co_await payments_->batch(std::move(on_payments));
  tables.payments = reconcile::parse_payments(rows_of(payments, 1));
  tables.accounts = reconcile::parse_accounts(rows_of(payments, 2));
  for (const Xid& xid : db::xa::parse_recover(rows_of(payments, 4)))
    tables.prepared.push_back({"payments", xid});
  co_return tables;
}

asio::awaitable<reconcile::Report> ScheduledReconciliation::recheck(
    const std::vector<reconcile::Discrepancy>& findings) {
  std::set<std::int64_t> order_ids;
  std::set<std::string> account_ids;
  for (const auto& d : findings) {
    XA_CHECK(d.invariant != 4, "prepared branches are not re-checked with locking reads");
    if (d.invariant == 3) {
      account_ids.insert(d.facts.value("account_id", std::string()));
    } else {
      order_ids.insert(d.facts.value("order_id", std::int64_t{0}));
    }
  }
  XA_CHECK(!order_ids.empty() || !account_ids.empty(), "a re-check of no rows");

  // Locks taken on both servers and held together until both are read (two-phase
  // locking): no transaction can change either side in between, so what is read is a cut
  // no commit straddles.
  std::vector<std::string> on_orders;
  on_orders.push_back("START TRANSACTION");
  if (!order_ids.empty())
    on_orders.push_back(reconcile::select_orders("order_id IN (" + in_list(order_ids) + ")", true));
  std::vector<std::string> on_payments;
  on_payments.push_back("START TRANSACTION");
  std::vector<std::size_t> payment_selects;
  if (!order_ids.empty()) {
    payment_selects.push_back(on_payments.size());
    on_payments.push_back(
        reconcile::select_payments("order_id IN (" + in_list(order_ids) + ")", true));
  }
  std::optional<std::size_t> account_select;
  if (!account_ids.empty()) {
    // Every payment of the account: invariant 3 sums them (the payments' account_id
    // index, the foreign key's, keeps the lock to that account's rows).
    payment_selects.push_back(on_payments.size());
    on_payments.push_back(
        reconcile::select_payments("account_id IN (" + in_list(account_ids) + ")", true));
    account_select = on_payments.size();
    on_payments.push_back(reconcile::select_accounts("account_id IN (" + in_list(account_ids) + ")",
                                                     *has_funded_, true));
  }

  reconcile::Tables tables;
  tables.has_funded = *has_funded_;
  std::exception_ptr error;
  try {
    db::Results orders = co_await orders_->batch(std::move(on_orders));
    db::Results payments = co_await payments_->batch(std::move(on_payments));
    if (!order_ids.empty()) tables.orders = reconcile::parse_orders(rows_of(orders, 1));
    std::set<std::int64_t> seen;
    for (std::size_t i : payment_selects) {
      for (auto& p : reconcile::parse_payments(rows_of(payments, i))) {
        // The same payment by its order and by its account is one payment.
        if (seen.insert(p.payment_id).second) tables.payments.push_back(std::move(p));
      }
    }
    if (account_select)
      tables.accounts = reconcile::parse_accounts(rows_of(payments, *account_select));
    std::vector<std::string> commit;
    commit.push_back("COMMIT");
    co_await orders_->batch(commit);
    co_await payments_->batch(std::move(commit));
  } catch (...) {
    error = std::current_exception();
  }
  if (error) {
    // Closing ends the transactions and releases whatever locks they took.
    orders_->close();
    payments_->close();
    std::rethrow_exception(error);
  }
  reconcile::Scope scope = scope_;
  scope.check_prepared = false;
  co_return reconcile::check(tables, scope);
}

void ScheduledReconciliation::publish(const reconcile::Report& confirmed, std::size_t transient,
                                      std::chrono::steady_clock::duration took) {
  const auto finished = std::chrono::system_clock::now();
  const double seconds = std::chrono::duration<double>(took).count();
  for (auto& [invariant, gauge] : discrepancies_)
    gauge->set(static_cast<double>(confirmed.count(invariant)));
  duration_seconds_.set(seconds);
  // Created at the first finished run, not before: a zero would read as "last run in 1970"
  // and fire XacoordReconcileStale on a coordinator that just started.
  if (!last_run_) {
    last_run_ = &registry_.gauge("xacoord_reconcile_last_run_timestamp_seconds",
                                 "When the last scheduled reconciliation finished (Unix time)");
  }
  last_run_->set(std::chrono::duration<double>(finished.time_since_epoch()).count());
  runs_.inc();
  transient_.inc(transient);
  ++run_count_;

  std::set<std::string> now_reported;
  for (const auto& d : confirmed.discrepancies) {
    std::string key = key_of(d);
    if (!reported_.contains(key)) {
      json fields = d.facts;
      fields["invariant"] = d.invariant;
      fields["problem"] = d.problem;
      log_event("reconcile_discrepancy", std::move(fields));
    }
    now_reported.insert(std::move(key));
  }
  if (now_reported != reported_) {
    log_event("reconcile_finished", {{"discrepancies", confirmed.discrepancies.size()},
                                     {"transient", transient},
                                     {"duration_ms", static_cast<std::int64_t>(seconds * 1000)}});
  }
  reported_ = std::move(now_reported);

  json listed = json::array();
  for (const auto& d : confirmed.discrepancies) {
    if (listed.size() == options_.max_listed) break;
    json item = d.facts;
    item["invariant"] = d.invariant;
    item["problem"] = d.problem;
    listed.push_back(std::move(item));
  }
  json by_invariant = json::object();
  for (int invariant = 1; invariant <= kInvariants; ++invariant)
    by_invariant[std::to_string(invariant)] = confirmed.count(invariant);
  last_report_ = {{"finished_at", rfc3339_utc(finished)},
                  {"duration_ms", static_cast<std::int64_t>(seconds * 1000)},
                  {"ok", confirmed.ok()},
                  {"checked",
                   {{"orders", confirmed.orders},
                    {"payments", confirmed.payments},
                    {"accounts", confirmed.accounts}}},
                  {"discrepancies", confirmed.discrepancies.size()},
                  {"by_invariant", by_invariant},
                  {"listed", listed},
                  {"transient", transient},
                  {"notes", confirmed.notes}};
}

json ScheduledReconciliation::report() const {
  return {{"enabled", true},
          {"every_ms", options_.every.count()},
          {"runs", run_count_},
          {"failures", failure_count_},
          {"last_error", last_error_.empty() ? json(nullptr) : json(last_error_)},
          {"last_run", last_report_}};
}

}  // namespace xacoord
