#include "tools/compare/arm_runner.h"

#include <signal.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "tools/chaos/fault_actions.h"
#include "tools/chaos/final_state.h"
#include "tools/chaos/history_check.h"
#include "tools/reconcile/reconcile.h"
#include "tools/workload/pay_cancel_race.h"

namespace xacoord::compare {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr std::size_t kExamplesKept = 10;
constexpr auto kSettleLimit = std::chrono::seconds(120);

std::string node_id_of(const std::string& architecture) {
  return "cmp_" + architecture;
}

std::string tail_of(const std::string& path, std::size_t lines) {
  std::ifstream in(path);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);)
    all.push_back(line);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
    out += "  " + all[i] + "\n";
  return out;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// What each design promises beyond invariants 1-4 (tools/chaos/history_check.h): the saga's
// refused pay may leave a compensated charge; the outbox's 202 is finished later.
chaos::HistoryPromise promise_of(const std::string& architecture) {
  chaos::HistoryPromise p;
  p.refused_pay_may_leave_refund = architecture == "saga";
  p.pay_accepted_then_finished = architecture == "outbox";
  return p;
}

bool is_lost_acknowledgement(const std::string& kind) {
  return kind.starts_with("acknowledged") || kind == "two pays acknowledged";
}

}  // namespace

ArmRunner::ArmRunner(harness::LocalPair& pair, harness::LocalBroker* broker, ArmOptions options)
    : pair_(pair), broker_(broker), options_(std::move(options)) {}

ArmRunner::~ArmRunner() {
  coordinator_.reset();
}

double ArmRunner::now() const {
  return std::chrono::duration<double>(Clock::now() - began_).count();
}

std::string ArmRunner::prefix() const {
  return "cmp-s" + std::to_string(options_.seed) + "-" + options_.architecture + "-";
}

void ArmRunner::start_coordinator(const std::string& crash_spec) {
  coordinator_.reset();
  harness::ServeOptions o;
  o.binary = harness::self_executable();
  o.port = port_;
  o.stderr_path = options_.var_dir + "/coordinator.log";
  // The timeouts of chaos (tools/chaos/chaos_runner.cc): faults turn into errors and
  // retries within a slot.
  o.args = {"--listen",
            "127.0.0.1:" + std::to_string(port_),
            "--log-dir",
            options_.var_dir + "/log",
            "--orders",
            pair_.url("orders"),
            "--payments",
            pair_.url("payments"),
            "--node-id",
            node_id_of(options_.architecture),
            "--architecture",
            options_.architecture,
            "--connect-timeout-seconds",
            "1",
            "--read-timeout-seconds",
            "2",
            "--lock-wait-seconds",
            "2",
            "--deadline",
            "5s",
            "--retry-max-backoff",
            "500ms",
            "--health-interval",
            "200ms",
            "--orphan-scan-interval",
            "1s",
            "--orphan-grace",
            "2s",
            "--pool-size",
            "64",
            "--shutdown-grace",
            "2s"};
  if (options_.architecture == "outbox" && broker_) {
    o.args.push_back("--broker");
    o.args.push_back(broker_->url());
  }
  if (options_.architecture == "xa" && !options_.etcd_url.empty()) {
    o.args.push_back("--decision-store");
    o.args.push_back(options_.etcd_url);
    // A crashed coordinator restarts as the same node and waits for its old lease: keep it
    // short, as chaos does, so the slot is not spent waiting.
    o.args.push_back("--takeover-after");
    o.args.push_back("2s");
  }
  if (!crash_spec.empty()) {
    o.args.push_back("--enable-fault-injection");
    o.env.emplace_back("XACOORD_CRASH_AT", crash_spec);
  }
  armed_ = crash_spec;
  coordinator_ = harness::ServeProcess::start(o);
  coordinator_pid_ = coordinator_->pid();
  if (!coordinator_->wait_ready(std::chrono::seconds(60))) {
    // An armed point may be reached by the first requests, before the poll saw it ready.
    auto exit = coordinator_->exit_status();
    if (!crash_spec.empty() && exit && exit->signaled && exit->code == SIGKILL) return;
    throw std::runtime_error("xacoord serve --architecture " + options_.architecture +
                             " did not become ready; the end of " + o.stderr_path + ":\n" +
                             tail_of(o.stderr_path, 8));
  }
}

// SIGTERM: the coordinator finishes what is in flight (--shutdown-grace), so re-arming a
// crash point is a clean restart, not a crash of its own.
void ArmRunner::stop_coordinator() {
  if (!coordinator_) return;
  if (coordinator_->running()) {
    coordinator_->signal(SIGTERM);
    if (!coordinator_->wait_exit(std::chrono::seconds(10))) coordinator_->signal(SIGKILL);
  }
  coordinator_.reset();
  coordinator_pid_ = 0;
}

bool ArmRunner::restart_if_dead(ArmResult& r) {
  if (coordinator_->running()) return false;
  double down = now();
  start_coordinator("");
  ++r.coordinator_restarts;
  r.fault_windows.push_back({down, now(), "coordinator restart"});
  return true;
}

void ArmRunner::wait_until(Clock::time_point until, ArmResult& r) {
  while (Clock::now() < until) {
    restart_if_dead(r);
    std::this_thread::sleep_for(milliseconds(20));
  }
}

void ArmRunner::run_slot(std::size_t index, const ArmFault& fault, ArmResult& r) {
  const auto slot_start = began_ + options_.slot_length * static_cast<long>(index);
  const auto slot_end = std::min(slot_start + options_.slot_length, began_ + options_.duration);
  const std::string name = fault.name();
  // Every arm runs the same schedule; a kill-broker slot of an arm without a broker is a
  // slot with no fault, and is said so instead of "scheduled and not fired".
  const bool has_broker = broker_ && options_.architecture == "outbox";
  if (fault.kind == SlotFault::Kind::kKillBroker && !has_broker) {
    r.faults_not_applicable[name] += 1;
  } else {
    r.faults_scheduled[name] += 1;
  }
  wait_until(slot_start + fault.fault.at, r);
  if (Clock::now() >= slot_end) return;
  const double start = now();
  bool fired = false;
  if (fault.kind == SlotFault::Kind::kOwnCrashPoint) {
    const std::string spec =
        std::string(name_of(*fault.fault.point)) + ":" + std::to_string(fault.fault.nth);
    stop_coordinator();
    start_coordinator(spec);
    r.fault_windows.push_back({start, now(), "arming " + name});
    while (Clock::now() < slot_end && coordinator_->running())
      std::this_thread::sleep_for(milliseconds(5));
    fired = !coordinator_->running();
    const double died = now();
    if (fired) {
      start_coordinator("");
      ++r.coordinator_restarts;
      r.fault_windows.push_back({died, now(), name});
    } else {
      // Not reached within the slot: disarmed, so that it cannot fire in another's slot.
      stop_coordinator();
      start_coordinator("");
      r.fault_windows.push_back({died, now(), "disarming " + name});
    }
  } else if (fault.kind == SlotFault::Kind::kKillBroker) {
    if (has_broker) {
      broker_->kill();
      std::this_thread::sleep_for(fault.fault.length);
      broker_->restart();
      fired = true;
      r.fault_windows.push_back({start, now(), name});
    }
  } else {
    auto action = chaos::make_fault_action(fault.fault, pair_, *coordinator_);
    for (int strike = 0; strike < action->strikes() && Clock::now() < slot_end; ++strike) {
      if (action->strike()) fired = true;
      std::this_thread::sleep_for(fault.fault.length);
    }
    action->end();
    if (fault.fault.kind == chaos::FaultKind::kCrashRandom) {
      restart_if_dead(r);
      if (!r.fault_windows.empty()) r.fault_windows.back().what = name;
    } else {
      r.fault_windows.push_back({start, now(), name});
    }
  }
  if (fired) r.faults_fired[name] += 1;
}

// Ready, nothing in doubt, nothing in flight or undelivered (GET /v1/status, contract §6).
bool ArmRunner::settled() {
  try {
    auto http = coordinator_->client(std::chrono::seconds(5));
    if (http.get("/healthz").status != 200) return false;
    if (http.get("/v1/transactions?state=in_doubt").json().value("count", 1) != 0) return false;
    auto status = http.get("/v1/status");
    return status.status == 200 && status.json().value("settled", false);
  } catch (const std::exception&) {
    return false;
  }
}

ArmResult ArmRunner::run() {
  ArmResult r;
  r.architecture = options_.architecture;
  r.duration_s = std::chrono::duration<double>(options_.duration).count();
  std::filesystem::create_directories(options_.var_dir);
  port_ = harness::free_port();
  began_ = Clock::now();
  start_coordinator("");

  workload::RaceOptions w;
  w.clients = options_.clients;
  w.duration = options_.duration;
  w.seed = options_.seed;
  w.prefix = prefix();
  workload::PayCancelRace race(
      w, [this] { return HttpClient("127.0.0.1", port_, std::chrono::seconds(10)); });
  race.open_accounts();

  SamplerOptions so;
  so.account_prefix = prefix();
  so.locking = options_.locking_sampler;
  {
    auto orders = pair_.connect("orders");
    so.first_order_id =
        db::single_int(orders->query("SELECT COALESCE(MAX(order_id), 0) + 1 FROM orders"));
  }
  began_ = Clock::now();  // the arm's timeline starts with its workload
  // The same instant on the wall clock, which the servers' TIMESTAMP columns use.
  const double began_unix =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  AnomalySampler sampler(pair_, so, began_, [this] { return coordinator_pid_.load(); });
  sampler.start();
  workload::RaceResult raced;
  std::atomic<bool> clients_done{false};
  std::thread clients([&] {
    raced = race.run(began_);
    clients_done = true;
  });
  std::atomic<bool> done{false};
  std::thread progress([&] {
    while (!done) {
      if (options_.progress)
        options_.progress(
            std::min(1.0, now() / r.duration_s),
            options_.architecture + ": " + std::to_string(race.answered()) + " answers");
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  std::exception_ptr failed;
  try {
    for (std::size_t i = 0; i < options_.faults.size(); ++i)
      run_slot(i, options_.faults[i], r);
    wait_until(began_ + options_.duration, r);
    // The clients' last requests keep retrying until they get an answer (RaceOptions::settle
    // bounds it); a coordinator that dies meanwhile is brought back for them.
    while (!clients_done) {
      restart_if_dead(r);
      std::this_thread::sleep_for(milliseconds(20));
    }
  } catch (...) {
    failed = std::current_exception();
  }
  if (failed) {
    // The harness failed: the threads end (the clients give up within their settle time),
    // then the arm reports the failure.
    clients.join();
    done = true;
    progress.join();
    sampler.stop();
    std::rethrow_exception(failed);
  }
  clients.join();
  const double workload_end = now();
  auto settle_until = Clock::now() + kSettleLimit;
  bool ok = false;
  while (Clock::now() < settle_until) {
    restart_if_dead(r);
    if ((ok = settled())) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  r.settle_ms = (now() - workload_end) * 1000;
  done = true;
  progress.join();
  r.sampler = sampler.stop();
  if (!ok) {
    r.permanent_examples.push_back(
        {{"problem", "did not settle within 120 s"}, {"architecture", options_.architecture}});
    ++r.permanent_anomalies;
  }

  // The workload's side.
  r.operations = raced.ops.size();
  std::vector<double> latencies;
  for (const auto& op : raced.ops) {
    if (op.status == 0) {
      ++r.unanswered;
      continue;
    }
    ++r.answered;
    if (op.pay) ++r.pays_answered;
    latencies.push_back((op.answered_at - op.sent_at) * 1000);
    r.answer_times.push_back(op.answered_at);
  }
  r.harness_errors = raced.errors;
  r.throughput_per_s = static_cast<double>(r.answered) / r.duration_s;
  r.p50_ms = percentile(latencies, 0.50);
  r.p99_ms = percentile(latencies, 0.99);
  {
    const double block = r.sampler.locking_block_seconds;
    double on = 0, off = 0;
    for (double t : r.answer_times) {
      if (t >= r.duration_s || block <= 0) continue;
      (static_cast<long>(t / block) % 2 == 1 ? on : off) += 1;
    }
    const double blocks = block > 0 ? r.duration_s / block : 0;
    const double on_s = block * std::floor(blocks / 2);
    const double off_s = r.duration_s - on_s;
    r.throughput_locking_on_per_s = on_s > 0 ? on / on_s : 0;
    r.throughput_locking_off_per_s = off_s > 0 ? off / off_s : 0;
  }

  // The plant of the test: a refund undone behind everyone's back (every raced order ends
  // cancelled, so a refunded payment is always there to plant on).
  auto orders_db = pair_.connect("orders");
  auto payments_db = pair_.connect("payments");
  if (options_.plant_anomaly &&
      payments_db->execute("UPDATE payments SET status = 'CAPTURED' WHERE account_id LIKE " +
                           reconcile::like_prefix_sql(prefix()) +
                           " AND status = 'REFUNDED' LIMIT 1") != 1) {
    throw std::runtime_error("--plant-anomaly: no refunded payment to plant on");
  }
  // The full check: invariants 1-4 (XA RECOVER included) and the acknowledged answers.
  reconcile::Scope scope;
  scope.account_prefix = prefix();
  scope.node_id = node_id_of(options_.architecture);
  auto report = reconcile::check(*orders_db, *payments_db, scope);
  for (const auto& d : report.discrepancies) {
    ++r.permanent_anomalies;
    if (r.permanent_examples.size() < kExamplesKept) {
      auto facts = d.facts;
      facts["problem"] = "invariant " + std::to_string(d.invariant) + ": " + d.problem;
      r.permanent_examples.push_back(facts);
    }
  }
  auto final_state = chaos::read_final_state(*orders_db, *payments_db, prefix());
  for (const auto& a : chaos::check_history(raced.ops, final_state, promise_of(r.architecture))) {
    ++r.permanent_anomalies;
    if (is_lost_acknowledgement(a.kind)) ++r.acknowledged_lost;
    if (r.permanent_examples.size() < kExamplesKept) {
      auto e = a.example;
      e["problem"] = "invariant 5: " + a.kind;
      r.permanent_examples.push_back(e);
    }
  }
  {
    std::map<std::int64_t, double> first_sent;  // per raced order, seconds since began_
    for (const auto& op : raced.ops) {
      auto [it, fresh] = first_sent.emplace(op.order_id, op.sent_at);
      if (!fresh) it->second = std::min(it->second, op.sent_at);
    }
    // The last change of the order's row and of its payment's, whichever came later.
    std::map<std::int64_t, double> last_change;
    for (auto* db : {orders_db.get(), payments_db.get()}) {
      const char* table = db == orders_db.get() ? "orders" : "payments";
      auto rows =
          db->query(std::string("SELECT order_id, UNIX_TIMESTAMP(updated_at) FROM ") + table +
                    " WHERE account_id LIKE " + reconcile::like_prefix_sql(prefix()));
      for (const auto& row : rows.rows) {
        if (!row.at(0) || !row.at(1)) continue;
        double& at = last_change[std::stoll(*row.at(0))];
        at = std::max(at, std::stod(*row.at(1)));
      }
    }
    std::vector<double> final_ms;
    for (const auto& [order_id, at] : last_change) {
      auto it = first_sent.find(order_id);
      if (it == first_sent.end()) continue;
      final_ms.push_back(std::max(0.0, (at - began_unix - it->second) * 1000));
    }
    r.final_state_p50_ms = percentile(final_ms, 0.50);
    r.final_state_p99_ms = percentile(final_ms, 0.99);
  }
  std::set<std::int64_t> acknowledged_pays;
  for (const auto& op : raced.ops)
    if (op.pay && op.status == 200) acknowledged_pays.insert(op.order_id);
  for (const auto& [order_id, f] : final_state) {
    if (!f.payment) continue;
    ++r.pays_committed;
    if (*f.payment != "REFUNDED") continue;
    (acknowledged_pays.contains(order_id) ? r.refunds : r.compensations) += 1;
  }

  // Costs, per pay answered.
  const double pays = std::max<double>(1, static_cast<double>(r.pays_answered));
  r.db_statements_per_pay =
      static_cast<double>(r.sampler.statements_orders + r.sampler.statements_payments) / pays;
  r.coordinator_cpu_ms_per_pay = r.sampler.coordinator_cpu_seconds * 1000 / pays;
  // Little's law: rows held on the orders server on average = arrival rate x hold time;
  // every pay and cancel locks its order row once.
  r.order_row_lock_ms =
      r.throughput_per_s > 0 ? r.sampler.mean_orders_rows_locked / r.throughput_per_s * 1000 : 0;
  stop_coordinator();
  return r;
}

}  // namespace xacoord::compare
