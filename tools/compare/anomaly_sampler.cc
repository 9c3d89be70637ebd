#include "tools/compare/anomaly_sampler.h"

#include <algorithm>

#include "participants/connection.h"
#include "participants/db_error.h"
#include "participants/endpoint.h"
#include "tools/bench/process_stats.h"
#include "coordinator/observability/invariant_rules.h"
#include "tools/reconcile/reconcile.h"

namespace xacoord::compare {

using Clock = std::chrono::steady_clock;

namespace {

// Short: a pass that meets a row held for longer gives up and says so (a prepared branch
// waiting for its decision), rather than stall the workload behind its own locks.
constexpr int kLockWaitSeconds = 1;

std::unique_ptr<db::Connection> open_session(const harness::LocalPair& pair,
                                             const std::string& name) {
  db::Timeouts t;
  t.connect = std::chrono::seconds(1);
  t.read = std::chrono::seconds(2);
  t.write = std::chrono::seconds(2);
  t.lock_wait_seconds = kLockWaitSeconds;
  auto c = db::Connection::open(db::Endpoint::parse(pair.url(name)), t);
  // No gap locks: the pass locks the rows it reads, never the gaps new orders go into.
  c->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
  return c;
}

std::string orders_query(const std::string& prefix, std::int64_t from, bool locking) {
  return "SELECT order_id, account_id, amount_cents, status FROM orders WHERE order_id >= " +
         std::to_string(from) + " AND account_id LIKE " + reconcile::like_prefix_sql(prefix) +
         (locking ? " LOCK IN SHARE MODE" : "");
}

// The payments side of the orders read, [from, to]: their payments row by row, the accounts,
// and the captured sums of every payment outside the window (orders older than it, and
// orders created after the orders were read), which the balances include.
std::vector<std::string> payments_queries(const std::string& prefix, std::int64_t from,
                                          std::int64_t to, bool locking) {
  const std::string like = reconcile::like_prefix_sql(prefix);
  const std::string lock = locking ? " LOCK IN SHARE MODE" : "";
  const std::string f = std::to_string(from), t = std::to_string(to);
  // Accounts before payments, as a pay takes them (participants/payments_sql.cc).
  return {
      "SELECT account_id, balance_cents, funded_cents FROM accounts WHERE account_id LIKE " + like +
          lock,
      "SELECT payment_id, order_id, account_id, amount_cents, status FROM payments WHERE "
      "order_id BETWEEN " +
          f + " AND " + t + " AND account_id LIKE " + like + lock,
      "SELECT account_id, SUM(amount_cents) FROM payments WHERE account_id LIKE " + like +
          " AND (order_id < " + f + " OR order_id > " + t +
          ") AND status = 'CAPTURED' GROUP BY account_id" + lock,
  };
}

void read_orders(const db::Rows& rows, reconcile::InvariantRows& into) {
  for (const auto& row : rows.rows)
    into.orders.push_back(
        {db::as_int(row, 0), db::as_string(row, 1), db::as_int(row, 2), db::as_string(row, 3)});
}

void read_payments_side(const db::Results& r, std::size_t first, reconcile::InvariantRows& into) {
  for (const auto& row : r[first]->rows) {
    reconcile::AccountRow a{db::as_string(row, 0), db::as_int(row, 1), std::nullopt};
    if (row[2]) a.funded = db::as_int(row, 2);
    into.accounts.push_back(a);
  }
  for (const auto& row : r[first + 1]->rows)
    into.payments.push_back({db::as_int(row, 0), db::as_int(row, 1), db::as_string(row, 2),
                             db::as_int(row, 3), db::as_string(row, 4)});
  for (const auto& row : r[first + 2]->rows)
    into.captured_outside[db::as_string(row, 0)] = row[1] ? db::as_int(row, 1) : 0;
}

std::vector<std::string> wrong_subjects(const reconcile::InvariantRows& rows) {
  std::vector<std::string> out;
  for (const auto& d : reconcile::check_invariants(rows))
    out.push_back(reconcile::subject_of(d));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::int64_t questions(db::Connection& c) {
  auto rows = c.query("SHOW GLOBAL STATUS LIKE 'Questions'");
  return rows.empty() ? 0 : db::as_int(rows[0], 1);
}

}  // namespace

struct AnomalySampler::Sessions {
  std::unique_ptr<db::Connection> orders, payments;
  std::int64_t highest_order = 0;
  // Server counters: the last reading, and the sampler's own statements since it.
  std::optional<std::int64_t> questions_orders, questions_payments;
  std::int64_t own_orders = 0, own_payments = 0;
  std::map<int, double> cpu_by_pid;
};

AnomalySampler::AnomalySampler(const harness::LocalPair& pair, SamplerOptions options,
                               Clock::time_point began, std::function<int()> coordinator_pid)
    : pair_(pair),
      options_(std::move(options)),
      began_(began),
      coordinator_pid_(std::move(coordinator_pid)) {}

AnomalySampler::~AnomalySampler() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void AnomalySampler::start() {
  thread_ = std::thread([this] {
    db::thread_init();
    loop();
    db::thread_end();
  });
}

SamplerResult AnomalySampler::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  return result_;
}

void AnomalySampler::record(std::map<std::string, double>& open,
                            const std::vector<std::string>& now_wrong, double at, double* longest,
                            std::string* subject) {
  const double step = std::chrono::duration<double>(options_.every).count();
  for (auto it = open.begin(); it != open.end();) {
    if (!std::binary_search(now_wrong.begin(), now_wrong.end(), it->first)) {
      it = open.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& s : now_wrong) {
    double first = open.emplace(s, at).first->second;
    // Seen wrong from `first` to `at`: at least one interval long.
    double ms = (at - first + step) * 1000;
    if (ms > *longest) {
      *longest = ms;
      if (subject) *subject = s;
    }
  }
}

std::optional<int> AnomalySampler::snapshot_pass(Sessions& s, std::int64_t from) {
  reconcile::InvariantRows rows;
  rows.paying_is_pending = true;
  read_orders(s.orders->query(orders_query(options_.account_prefix, from, false)), rows);
  s.own_orders += 1;
  std::int64_t to = from - 1;
  for (const auto& o : rows.orders)
    to = std::max(to, o.order_id);
  rows.orders_from = from;
  rows.orders_to = to;
  s.highest_order = std::max(s.highest_order, to);
  auto q = payments_queries(options_.account_prefix, from, to, false);
  // One snapshot for the three reads (the session is READ COMMITTED for the locking pass,
  // where every read would take a fresh one).
  auto r = s.payments->batch({"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                              "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", q[0], q[1],
                              q[2], "COMMIT"});
  s.own_payments += 6;
  read_payments_side(r, 2, rows);
  last_snapshot_subjects_ = wrong_subjects(rows);
  return static_cast<int>(last_snapshot_subjects_.size());
}

std::optional<int> AnomalySampler::locking_pass(Sessions& s, std::int64_t from, bool* blocked) {
  reconcile::InvariantRows rows;
  rows.paying_is_pending = true;
  bool ok = false;
  try {
    // The engine's lock order: the order rows first, held while payments are read.
    auto o =
        s.orders->batch({"START TRANSACTION", orders_query(options_.account_prefix, from, true)});
    s.own_orders += 2;
    read_orders(*o[1], rows);
    std::int64_t to = from - 1;
    for (const auto& order : rows.orders)
      to = std::max(to, order.order_id);
    rows.orders_from = from;
    rows.orders_to = to;
    auto q = payments_queries(options_.account_prefix, from, to, true);
    auto r = s.payments->batch({"START TRANSACTION", q[0], q[1], q[2], "COMMIT"});
    s.own_payments += 5;
    read_payments_side(r, 1, rows);
    s.orders->execute("COMMIT");
    s.own_orders += 1;
    ok = true;
  } catch (const db::DbError& e) {
    *blocked = e.kind() == db::ErrorKind::kLockTimeout || e.kind() == db::ErrorKind::kDeadlock;
    if (!*blocked) throw;
  }
  if (!ok) {
    // The lock wait ran out: let go of what the pass holds, on both servers.
    for (auto* c : {s.orders.get(), s.payments.get()})
      c->execute("ROLLBACK");
    s.own_orders += 1;
    s.own_payments += 1;
    return std::nullopt;
  }
  last_locking_subjects_ = wrong_subjects(rows);
  return static_cast<int>(last_locking_subjects_.size());
}

void AnomalySampler::loop() {
  Sessions s;
  std::map<std::string, double> open_snapshot, open_locking;
  double rows_locked_sum = 0;
  std::size_t rows_locked_n = 0;
  auto next = Clock::now();
  const double block = std::chrono::duration<double>(options_.locking_block).count();
  result_.locking_block_seconds = block;
  // Counter readings across a server restart: a reading below the last starts again at 0.
  auto add_questions = [](std::optional<std::int64_t>& last, std::int64_t now, std::int64_t& own,
                          std::int64_t& total) {
    if (last) total += std::max<std::int64_t>(0, (now >= *last ? now - *last : now) - own);
    last = now;
    own = 0;
  };
  while (!stop_) {
    next += options_.every;
    Sample sample;
    sample.at = std::chrono::duration<double>(Clock::now() - began_).count();
    sample.locking_on = options_.locking && static_cast<long>(sample.at / block) % 2 == 1;
    if (int pid = coordinator_pid_(); pid > 0) {
      double cpu = bench::cpu_seconds(pid);
      if (cpu > 0) s.cpu_by_pid[pid] = std::max(s.cpu_by_pid[pid], cpu);
    }
    const std::int64_t from =
        std::max(options_.first_order_id, s.highest_order - options_.window_orders);
    try {
      if (!s.orders) s.orders = open_session(pair_, "orders");
      if (!s.payments) s.payments = open_session(pair_, "payments");
      sample.snapshot = snapshot_pass(s, from);
      auto locks = s.orders->query(
          "SELECT COALESCE(SUM(trx_rows_locked), 0) FROM information_schema.INNODB_TRX WHERE "
          "trx_mysql_thread_id <> CONNECTION_ID()");
      s.own_orders += 1;
      sample.orders_rows_locked = static_cast<int>(db::single_int(locks));
      if (sample.locking_on) sample.locking = locking_pass(s, from, &sample.locking_blocked);
      s.own_orders += 1;
      s.own_payments += 1;
      add_questions(s.questions_orders, questions(*s.orders), s.own_orders,
                    result_.statements_orders);
      add_questions(s.questions_payments, questions(*s.payments), s.own_payments,
                    result_.statements_payments);
    } catch (const std::exception&) {
      // A server down, paused or cut off (the arm's faults): no sample this time, and
      // fresh sessions next time.
      s.orders.reset();
      s.payments.reset();
      s.questions_orders.reset();
      s.questions_payments.reset();
      s.own_orders = s.own_payments = 0;
    }
    if (sample.snapshot) {
      if (*sample.snapshot > 0) ++result_.snapshot_anomaly_samples;
      record(open_snapshot, last_snapshot_subjects_, sample.at, &result_.max_snapshot_window_ms,
             &result_.longest_window_subject);
    }
    if (sample.locking_blocked) ++result_.locking_blocked;
    if (sample.locking) {
      ++result_.locking_samples;
      if (*sample.locking > 0) ++result_.transient_anomaly_samples;
      record(open_locking, last_locking_subjects_, sample.at, &result_.max_locking_window_ms,
             nullptr);
    }
    if (sample.orders_rows_locked) {
      rows_locked_sum += *sample.orders_rows_locked;
      ++rows_locked_n;
    }
    result_.samples.push_back(sample);
    std::this_thread::sleep_until(std::max(next, Clock::now()));
    if (Clock::now() > next + options_.every) next = Clock::now();  // fell behind: no burst
  }
  result_.mean_orders_rows_locked = rows_locked_n ? rows_locked_sum / rows_locked_n : 0;
  for (const auto& [pid, cpu] : s.cpu_by_pid)
    result_.coordinator_cpu_seconds += cpu;
}

}  // namespace xacoord::compare
