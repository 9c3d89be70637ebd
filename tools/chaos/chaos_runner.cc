#include "tools/chaos/chaos_runner.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "tools/chaos/workload.h"
#include "protocol/txn_id.h"
#include "tools/reconcile/reconcile.h"

namespace xacoord::chaos {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr const char* kNodeId = "chaos";

void sleep_until(Clock::time_point t) {
  std::this_thread::sleep_until(t);
}

}  // namespace

struct ChaosRunner::Run {
  RunResult result;
  Clock::time_point began;
};

ChaosRunner::ChaosRunner(ChaosOptions options) : options_(std::move(options)) {
  if (options_.var_dir.empty()) {
    char tmpl[] = "/tmp/xacoord-chaos.XXXXXX";
    options_.var_dir = ::mkdtemp(tmpl);
  }
}

ChaosRunner::~ChaosRunner() {
  coordinator_.reset();
  pair_.reset();
}

double ChaosRunner::now() const {
  return std::chrono::duration<double>(Clock::now() - began_).count();
}

void ChaosRunner::start_coordinator(const std::string& crash_spec) {
  coordinator_.reset();
  harness::ServeOptions o;
  o.binary = harness::self_executable();
  o.port = port_;
  o.stderr_path = options_.var_dir + "/coordinator.log";
  o.args = {"--listen", "127.0.0.1:" + std::to_string(port_), "--log-dir", log_dir_, "--orders",
            pair_->url("orders"), "--payments", pair_->url("payments"), "--node-id", kNodeId,
            // Short timeouts: faults should turn into errors and retries within a run.
            "--connect-timeout-seconds", "1", "--read-timeout-seconds", "2", "--lock-wait-seconds",
            "2", "--deadline", "5s", "--retry-max-backoff", "500ms", "--health-interval", "200ms",
            "--orphan-scan-interval", "1s", "--orphan-grace", "2s", "--pool-size", "64"};
  if (options_.unsafe) o.args.push_back("--unsafe-no-2pc");
  if (!crash_spec.empty()) {
    o.args.push_back("--enable-fault-injection");
    o.env.emplace_back("XACOORD_CRASH_AT", crash_spec);
  }
  armed_crash_ = crash_spec;
  coordinator_ = harness::ServeProcess::start(o);
  if (!coordinator_->wait_ready(std::chrono::seconds(60))) {
    throw std::runtime_error("the coordinator did not become ready; see " + o.stderr_path);
  }
}

void ChaosRunner::restart_coordinator_if_dead(Run& run) {
  if (coordinator_->running()) return;
  double down = now();
  start_coordinator("");
  run.result.fault_windows.push_back({down, now(), "coordinator restart"});
  measure_recovery(run, down);
  check_nothing_prepared_after_ready(run);
}

void ChaosRunner::check_nothing_prepared_after_ready(Run& run) {
  std::uint64_t epoch = 0;
  try {
    std::string metrics = coordinator_->client().get("/metrics").body;
    auto at = metrics.find("\nxacoord_decision_log_epoch ");
    if (at != std::string::npos) epoch = std::stoull(metrics.substr(at + 28));
  } catch (const std::exception&) {
    return;  // died again already: the next restart checks
  }
  for (int sample = 0; sample < 6; ++sample) {
    for (const char* name : {"orders", "payments"}) {
      try {
        for (const Xid& xid : pair_->connect(name)->xa_recover()) {
          auto txn = txn_of_xid(xid);
          if (!txn || txn->node != kNodeId || txn->epoch >= epoch) continue;
          run.result.discrepancies.push_back(
              {"invariant 4: branch of an earlier run prepared after ready",
               {{"database", name},
                {"xid", xid.to_string()},
                {"ms_after_ready", sample * 250},
                {"epoch", epoch}}});
        }
      } catch (const std::exception&) {
        // a database down by design (kill-db): its branches are recovery's job once it is back
      }
    }
    std::this_thread::sleep_for(milliseconds(250));
  }
}

ChaosReport ChaosRunner::run() {
  began_ = Clock::now();
  pair_ = harness::LocalPair::start(options_.var_dir + "/db");
  port_ = harness::free_port();
  log_dir_ = options_.var_dir + "/coordinator";
  start_coordinator("");
  began_ = Clock::now();  // the timeline starts when the first run can

  ChaosReport report;
  report.seed = options_.seed;
  report.command = options_.command;
  report.unsafe = options_.unsafe;
  auto schedule =
      make_schedule(options_.seed, options_.runs, parse_menu(options_.faults), options_.duration);
  for (int i = 0; i < options_.runs; ++i) {
    report.runs.push_back(run_one(i + 1, schedule[static_cast<std::size_t>(i)]));
    const auto& r = report.runs.back();
    std::fprintf(stderr,
                 "%srun %d/%d %-28s %s ops %zu, acked %zu, recovery %.2f s, violations %zu\n",
                 options_.progress && ::isatty(2) ? "\r\033[K" : "", i + 1, options_.runs,
                 r.fault.c_str(), r.fault_fired ? "fired " : "missed", r.operations, r.acknowledged,
                 r.recovery_seconds, r.anomalies.size() + r.discrepancies.size());
  }
  report.write(options_.out_dir);
  return report;
}

RunResult ChaosRunner::run_one(int index, const Fault& fault) {
  Run run;
  run.result.index = index;
  run.result.fault = fault.name();
  std::string crash_spec = fault.kind == FaultKind::kCrashAt ? std::string(name_of(*fault.point)) +
                                                                   ":" + std::to_string(fault.nth)
                                                             : "";
  if (crash_spec != armed_crash_ || !coordinator_->running()) start_coordinator(crash_spec);

  const std::string prefix =
      "chaos-s" + std::to_string(options_.seed) + "-r" + std::to_string(index) + "-";
  auto orders = prepare_orders(prefix);

  WorkloadOptions w;
  w.clients = options_.clients;
  w.duration = options_.duration;
  w.seed = options_.seed * 7919 + static_cast<std::uint64_t>(index);
  w.key_prefix = prefix;
  Workload workload(w, orders,
                    [this] { return HttpClient("127.0.0.1", port_, std::chrono::seconds(10)); });
  run.began = Clock::now();
  const double run_offset = now();
  std::vector<Op> ops;
  std::thread clients([&] { ops = workload.run(run.began); });
  std::thread progress;
  std::atomic<bool> done{false};
  if (options_.progress && ::isatty(2)) {
    progress = std::thread([&] {
      while (!done) {
        double share = std::min(
            1.0, std::chrono::duration<double>(Clock::now() - run.began) / options_.duration);
        int bar = static_cast<int>(share * 30);
        std::fprintf(stderr, "\r\033[K[%.*s%*s] run %d/%d %s, %zu answers", bar,
                     "##############################", 30 - bar, "", index, options_.runs,
                     run.result.fault.c_str(), workload.answered());
        std::this_thread::sleep_for(milliseconds(200));
      }
    });
  }
  inject(fault, run);
  // The clients keep retrying after the fault; keep the coordinator alive for them.
  while (Clock::now() < run.began + options_.duration) {
    restart_coordinator_if_dead(run);
    std::this_thread::sleep_for(milliseconds(20));
  }
  restart_coordinator_if_dead(run);
  clients.join();
  done = true;
  if (progress.joinable()) progress.join();

  run.result.operations = ops.size();
  for (const auto& op : ops) {
    if (op.status != 0) {
      run.result.acknowledged++;
      run.result.answer_times.push_back(run_offset + op.answered_at);
    } else {
      run.result.unanswered++;
    }
    run.result.retries += static_cast<std::size_t>(std::max(0, op.attempts - 1));
  }
  wait_recovered(run);
  check(run, prefix, ops);
  return run.result;
}

std::vector<std::int64_t> ChaosRunner::prepare_orders(const std::string& prefix) {
  // The previous run's fault may still echo (a session to a restarted server fails once):
  // setup retries what the coordinator calls retryable.
  auto create = [this](const std::string& path, const nlohmann::json& body) {
    for (int attempt = 0;; ++attempt) {
      HttpReply reply;
      try {
        reply = coordinator_->client().post_json(path, body);
      } catch (const std::exception&) {
      }
      if (reply.status == 201) return reply.json();
      if (reply.status == 409 && path == "/v1/accounts")
        return nlohmann::json(body);  // a lost answer, retried
      if ((reply.status != 503 && reply.status != 0) || attempt == 100) {
        throw std::runtime_error("chaos: setup failed at " + path + ": " +
                                 std::to_string(reply.status) + " " + reply.body);
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
  };
  std::mt19937_64 rng(options_.seed + static_cast<std::uint64_t>(prefix.size()));
  std::vector<std::string> accounts;
  // Three accounts that can pay for everything, and one that cannot: refused pays
  // (422) exercise the abort path, with one branch prepared and the other refused.
  for (int a = 0; a < 4; ++a) {
    std::string id = prefix + "a" + std::to_string(a);
    create("/v1/accounts", {{"account_id", id}, {"balance_cents", a == 3 ? 300 : 1'000'000}});
    accounts.push_back(id);
  }
  std::vector<std::int64_t> orders;
  for (int i = 0; i < options_.orders_per_run; ++i) {
    std::int64_t amount = std::uniform_int_distribution<std::int64_t>(100, 500)(rng);
    auto order = create("/v1/orders", {{"account_id", accounts[static_cast<std::size_t>(i) % 4]},
                                       {"amount_cents", amount}});
    orders.push_back(order["order_id"].get<std::int64_t>());
  }
  return orders;
}

void ChaosRunner::inject(const Fault& fault, Run& run) {
  auto& r = run.result;
  auto end = run.began + options_.duration;
  switch (fault.kind) {
    case FaultKind::kCrashAt:
      // Armed at start: wait for the coordinator to reach the point and die.
      while (Clock::now() < end && coordinator_->running())
        std::this_thread::sleep_for(milliseconds(5));
      if (!coordinator_->running()) {
        r.fault_fired = true;
        restart_coordinator_if_dead(run);
        r.fault_windows.back().what = r.fault;
      }
      return;
    case FaultKind::kCrashRandom: {
      sleep_until(run.began + fault.at);
      coordinator_->signal(SIGKILL);
      coordinator_->wait_exit(std::chrono::seconds(5));
      r.fault_fired = true;
      restart_coordinator_if_dead(run);
      r.fault_windows.back().what = r.fault;
      return;
    }
    case FaultKind::kKillDatabase: {
      sleep_until(run.began + fault.at);
      double start = now();
      pair_->kill(fault.database);
      std::this_thread::sleep_for(fault.length);
      pair_->restart(fault.database);
      r.fault_fired = true;
      r.fault_windows.push_back({start, now(), r.fault});
      measure_recovery(run, now());
      return;
    }
    case FaultKind::kPauseDatabase: {
      sleep_until(run.began + fault.at);
      double start = now();
      pair_->pause(fault.database);
      std::this_thread::sleep_for(fault.length);
      pair_->resume(fault.database);
      r.fault_fired = true;
      r.fault_windows.push_back({start, now(), r.fault});
      measure_recovery(run, now());
      return;
    }
    case FaultKind::kKillConnections: {
      sleep_until(run.began + fault.at);
      double start = now();
      for (int round = 0; round < 3 && Clock::now() < end; ++round) {
        try {
          auto admin = pair_->connect(fault.database);
          auto victims = admin->query(
              "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'root' AND ID <> "
              "CONNECTION_ID() "
              "AND COMMAND <> 'Daemon'");
          for (const auto& row : victims.rows) {
            try {
              admin->execute("KILL CONNECTION " + *row[0]);
              r.fault_fired = true;
            } catch (const std::exception&) {
              // it ended on its own meanwhile
            }
          }
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(fault.length);
      }
      r.fault_windows.push_back({start, now(), r.fault});
      measure_recovery(run, now());
      return;
    }
  }
}

// Ready again, and nothing left in doubt: recovery has finished what the fault left.
void ChaosRunner::measure_recovery(Run& run, double fault_ended) {
  auto until = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < until) {
    try {
      auto http = coordinator_->client(std::chrono::seconds(5));
      if (http.get("/healthz").status == 200 &&
          http.get("/v1/transactions?state=in_doubt").json().value("count", 1) == 0) {
        run.result.recovery_seconds = std::max(run.result.recovery_seconds, now() - fault_ended);
        return;
      }
    } catch (const std::exception&) {
      if (!coordinator_->running()) return;  // died again: the restart measures anew
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  run.result.discrepancies.push_back(
      {"recovery did not finish within 60 s", {{"run", run.result.index}}});
}

// Before checking: the coordinator alive, ready, with nothing in doubt.
void ChaosRunner::wait_recovered(Run& run) {
  restart_coordinator_if_dead(run);
  double before = run.result.recovery_seconds;
  measure_recovery(run, now());
  run.result.recovery_seconds = before;  // settling after the run is not the fault's recovery
}

// Invariants 1-4 with the reconcile checker, invariant 5 with the clients' history.
void ChaosRunner::check(Run& run, const std::string& prefix, const std::vector<Op>& ops) {
  auto orders_db = pair_->connect("orders");
  auto payments_db = pair_->connect("payments");
  reconcile::Scope scope;
  scope.account_prefix = prefix;
  scope.node_id = kNodeId;
  auto report = reconcile::check(*orders_db, *payments_db, scope);
  for (const auto& d : report.discrepancies) {
    run.result.discrepancies.push_back(
        {"invariant " + std::to_string(d.invariant) + ": " + d.problem, d.facts});
  }
  std::map<std::int64_t, FinalOrder> final_state;
  for (const auto& row :
       orders_db
           ->query("SELECT order_id, status FROM orders WHERE account_id LIKE '" + prefix + "%'")
           .rows) {
    final_state[db::as_int(row, 0)].status = db::as_string(row, 1);
  }
  for (const auto& row :
       payments_db
           ->query("SELECT order_id, status, txn_id FROM payments WHERE account_id LIKE '" +
                   prefix + "%'")
           .rows) {
    auto& f = final_state[db::as_int(row, 0)];
    f.payment = db::as_string(row, 1);
    f.payment_txn = row[2];
  }
  run.result.anomalies = check_history(ops, final_state);
}

}  // namespace xacoord::chaos
