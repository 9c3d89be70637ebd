#include "tools/chaos/chaos_runner.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

#include "common/check.h"
#include "protocol/txn_id.h"
#include "tools/chaos/coordinator_events.h"
#include "tools/chaos/fault_actions.h"
#include "tools/chaos/final_state.h"
#include "tools/chaos/in_flight.h"
#include "tools/reconcile/reconcile.h"
#include "tools/report/progress_bar.h"
#include "tools/report/prometheus_text.h"
#include "tools/workload/pay_cancel_race.h"

namespace xacoord::chaos {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr const char* kNodeId = "chaos";
// Contract §9: a dead coordinator's branches are resolved within --takeover-after + 5 s.
constexpr double kTakeoverSlackSeconds = 5;
// Past the bound, how long chaos still waits before it reports the takeover as missing.
constexpr double kGiveUpAfterBoundSeconds = 25;
// How often the phase gauge is sampled through a run, and the progress line redrawn.
constexpr milliseconds kSampleEvery{100};
// Samples that say how busy the workload keeps the protocol leave out the moments a fault
// or its aftermath empties the coordinator: the clients' first requests, each fault window
// with the recovery and the clients' back-off (at most 500 ms) after it, and the end of
// the run, when the clients finish their last rounds and stop.
constexpr double kWarmUpSeconds = 0.2;
constexpr double kAfterFaultSeconds = 1.0;

// The phase gauge, read with a client of the sampler's own (the runner replaces the
// coordinator process meanwhile). nullopt while the coordinator does not answer.
std::optional<InFlight> sample_in_flight(HttpClient& http) {
  try {
    auto reply = http.get("/metrics");
    if (reply.status != 200) return std::nullopt;
    std::optional<InFlight> f = in_flight_from_metrics(reply.body);
    // The architectures that finish after answering (outbox) count their work here.
    auto status = http.get("/v1/status");
    if (f && status.status == 200) add_status(*f, status.json());
    return f;
  } catch (const std::exception&) {
    // down, restarting or paused behind a paused database: no sample
  }
  return std::nullopt;
}

// What a pay refused with a 4xx may leave behind (docs/architectures.md): under the saga a
// 409 can follow a charge that was compensated, so a REFUNDED payment is kept.
HistoryPromise promise_of(const std::string& architecture) {
  HistoryPromise promise;
  promise.refused_pay_may_leave_refund = architecture == "saga";
  promise.pay_accepted_then_finished = architecture == "outbox";
  return promise;
}

}  // namespace

struct ChaosRunner::Run {
  RunResult result;
  Clock::time_point began;
  std::vector<std::uint64_t> log_offsets;       // per node: where this run's event lines begin
  std::optional<double> fault_at;               // seconds since `began`, when the fault struck
  std::vector<RecoveryFound> recoveries;        // of every restart within the run
  std::optional<RecoveryFound> crash_recovery;  // of the restart right after a crash point
  std::vector<std::pair<double, InFlight>> phase_samples;  // at seconds since the chaos began
};

ChaosRunner::ChaosRunner(ChaosOptions options) : options_(std::move(options)) {
  if (options_.unsafe) options_.architecture = "naive";
  options_.unsafe = options_.architecture == "naive";
  if (options_.var_dir.empty()) {
    char tmpl[] = "/tmp/xacoord-chaos.XXXXXX";
    options_.var_dir = ::mkdtemp(tmpl);
  }
  XA_CHECK(options_.nodes >= 1 && options_.nodes <= kMaxNodes, "chaos: --nodes out of range");
  XA_CHECK(options_.nodes == 1 || on_etcd(), "chaos: several nodes without etcd");
}

ChaosRunner::~ChaosRunner() {
  nodes_.clear();
  broker_.reset();
  etcd_.reset();
  pair_.reset();
}

double ChaosRunner::now() const {
  return std::chrono::duration<double>(Clock::now() - began_).count();
}

std::vector<ChaosRunner::Node*> ChaosRunner::all_nodes() {
  std::vector<Node*> all;
  for (auto& n : nodes_)
    all.push_back(&n);
  return all;
}

void ChaosRunner::start_node(Node& node, const std::string& crash_spec) {
  node.process.reset();
  harness::ServeOptions o;
  o.binary = harness::self_executable();
  o.port = node.port;
  o.stderr_path = node.log_path;
  o.args = {"--listen", "127.0.0.1:" + std::to_string(node.port), "--log-dir", node.log_dir,
            "--orders", pair_->url("orders"), "--payments", pair_->url("payments"), "--node-id",
            node.id,
            // Short timeouts: faults should turn into errors and retries within a run.
            "--connect-timeout-seconds", "1", "--read-timeout-seconds", "2", "--lock-wait-seconds",
            "2", "--deadline", "5s", "--retry-max-backoff", "500ms", "--health-interval", "200ms",
            "--orphan-scan-interval", "1s", "--orphan-grace", "2s", "--pool-size",
            std::to_string(std::max(8, 64 / options_.nodes))};
  o.args.push_back("--architecture");
  o.args.push_back(options_.architecture);
  if (broker_) {
    o.args.push_back("--broker");
    o.args.push_back(broker_->url());
  }
  if (etcd_) {
    o.args.insert(o.args.end(), {"--decision-store", etcd_->url(), "--takeover-after",
                                 std::to_string(options_.takeover_after.count()) + "s"});
  }
  if (!crash_spec.empty()) {
    o.args.push_back("--enable-fault-injection");
    o.env.emplace_back("XACOORD_CRASH_AT", crash_spec);
  }
  node.armed_crash = crash_spec;
  node.process = harness::ServeProcess::start(o);
  // On etcd a node whose last run died waits for its old lease (--takeover-after + 3 s).
  if (!node.process->wait_ready(std::chrono::seconds(60))) {
    // An armed point may be reached by start-up recovery or the first requests before the
    // poll saw the node ready: that is the fault firing, which the run then handles.
    auto exit = node.process->exit_status();
    if (!crash_spec.empty() && exit && exit->signaled && exit->code == SIGKILL) return;
    const std::string how = !exit            ? "still running after 60 s"
                            : exit->signaled ? "killed by signal " + std::to_string(exit->code)
                                             : "exit status " + std::to_string(exit->code);
    throw std::runtime_error("coordinator " + node.id + " did not become ready (" + how +
                             "); see " + o.stderr_path);
  }
}

void ChaosRunner::stop_node(Node& node) {
  if (!node.running()) return;
  node.process->signal(SIGTERM);
  if (!node.process->wait_exit(std::chrono::seconds(15))) node.process->signal(SIGKILL);
  node.process->wait_exit(std::chrono::seconds(5));
}

void ChaosRunner::restart_node(Node& node, Run& run) {
  double down = now();
  std::uint64_t offset = log_size(node.log_path);
  start_node(node, "");
  // Logged before "ready", so it is there once start_node returns.
  if (auto found = first_recovery_started(read_events(node.log_path, offset)))
    run.recoveries.push_back(*found);
  run.result.fault_windows.push_back({down, now(), "coordinator restart"});
  measure_recovery(run, down);
  check_nothing_prepared_after_ready(node, run);
}

void ChaosRunner::restart_dead_nodes(Run& run) {
  release_taken_over(run, false);
  for (auto& node : nodes_) {
    if (!node.running() && !node.held_down) restart_node(node, run);
  }
}

void ChaosRunner::hold_down(Node& node, Run& run) {
  node.held_down = true;
  node.killed_at = now();
  node.offsets_at_kill.clear();
  for (const auto& n : nodes_)
    node.offsets_at_kill.push_back(log_size(n.log_path));
  run.result.fault_windows.push_back({node.killed_at, node.killed_at, node.id + " down"});
}

// Taken over: a live node logged `takeover_finished` for it since it was killed, and neither
// database lists a prepared branch of its id.
bool ChaosRunner::taken_over(const Node& node) const {
  bool finished = false;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (&nodes_[i] == &node) continue;
    for (const auto& e : read_events(nodes_[i].log_path, node.offsets_at_kill.at(i))) {
      if (e.value("event", "") == "takeover_finished" && e.value("node_id", "") == node.id)
        finished = true;
    }
  }
  if (!finished) return false;
  for (const char* name : {"orders", "payments"}) {
    try {
      for (const Xid& xid : pair_->connect(name)->xa_recover()) {
        auto txn = txn_of_xid(xid);
        if (txn && txn->node == node.id) return false;
      }
    } catch (const std::exception&) {
      return false;  // a database down by design: ask again
    }
  }
  return true;
}

void ChaosRunner::release_taken_over(Run& run, bool wait) {
  const double bound =
      std::chrono::duration<double>(options_.takeover_after).count() + kTakeoverSlackSeconds;
  for (auto& node : nodes_) {
    if (!node.held_down) continue;
    for (;;) {
      if (taken_over(node)) {
        run.result.takeover_seconds.push_back(now() - node.killed_at);
        break;
      }
      if (now() - node.killed_at > bound + kGiveUpAfterBoundSeconds) {
        run.result.discrepancies.push_back(
            {"contract §9: a dead coordinator was not taken over",
             {{"node", node.id}, {"seconds", now() - node.killed_at}}});
        break;
      }
      if (!wait) return;
      std::this_thread::sleep_for(milliseconds(50));
    }
    node.held_down = false;
    for (auto& w : run.result.fault_windows) {
      if (w.what == node.id + " down" && w.end == w.start) w.end = now();
    }
  }
}

void ChaosRunner::check_nothing_prepared_after_ready(Node& node, Run& run) {
  std::uint64_t epoch = 0;
  try {
    auto scrape = report::parse_prometheus_text(node.process->client().get("/metrics").body);
    epoch = static_cast<std::uint64_t>(scrape.value("xacoord_decision_log_epoch").value_or(0));
  } catch (const std::exception&) {
    return;  // died again already: the next restart checks
  }
  for (int sample = 0; sample < 6; ++sample) {
    for (const char* name : {"orders", "payments"}) {
      try {
        for (const Xid& xid : pair_->connect(name)->xa_recover()) {
          auto txn = txn_of_xid(xid);
          if (!txn || txn->node != node.id || txn->epoch >= epoch) continue;
          run.result.discrepancies.push_back(
              {"invariant 4: branch of an earlier run prepared after ready",
               {{"database", name},
                {"node", node.id},
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

std::optional<InFlight> ChaosRunner::sample(const std::vector<Node*>& which) const {
  std::optional<InFlight> sum;
  for (const Node* node : which) {
    HttpClient http("127.0.0.1", node->port, milliseconds(500));
    if (auto f = sample_in_flight(http)) {
      if (!sum) sum = InFlight{};
      *sum += *f;
    }
  }
  return sum;
}

ChaosReport ChaosRunner::run() {
  began_ = Clock::now();
  pair_ = harness::LocalPair::start(options_.var_dir + "/db");
  if (options_.architecture == "outbox")
    broker_ = harness::LocalBroker::start(options_.var_dir + "/broker");
  if (on_etcd()) etcd_ = harness::EtcdCluster::start(options_.var_dir + "/etcd");
  nodes_.resize(static_cast<std::size_t>(options_.nodes));
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    // One node keeps the names chaos always used.
    const std::string suffix = nodes_.size() == 1 ? "" : std::to_string(i + 1);
    nodes_[i].id = kNodeId + suffix;
    nodes_[i].port = harness::free_port();
    nodes_[i].log_dir = options_.var_dir + "/coordinator" + suffix;
    nodes_[i].log_path = options_.var_dir + "/coordinator" + suffix + ".log";
    start_node(nodes_[i], "");
  }
  began_ = Clock::now();  // the timeline starts when the first run can

  ChaosReport report;
  report.seed = options_.seed;
  report.command = options_.command;
  report.unsafe = options_.unsafe;
  report.architecture = options_.architecture;
  report.nodes = options_.nodes;
  report.decision_store = options_.decision_store;
  const Topology topology{options_.nodes, on_etcd()};
  auto schedule = make_schedule(options_.seed, options_.runs,
                                parse_menu(options_.faults, options_.architecture, topology),
                                options_.duration, options_.nodes);
  report::ProgressBar bar(options_.progress);
  for (int i = 0; i < options_.runs; ++i) {
    report.runs.push_back(run_one(i + 1, schedule[static_cast<std::size_t>(i)]));
    const auto& r = report.runs.back();
    char line[512];
    const InFlight f = r.in_flight_at_fault.value_or(InFlight{});
    std::snprintf(line, sizeof line,
                  "run %d/%d %-28s %s committed %zu (pays %zu, refunds %zu), aborted %zu, in "
                  "flight %zu/%zu/%zu%s, ops %zu, recovery %.2f s, violations %zu",
                  i + 1, options_.runs, r.fault.c_str(), r.fault_fired ? "fired " : "missed",
                  r.transactions_committed(), r.pays_committed, r.refunds_committed,
                  r.transactions_aborted, f.before_prepare, f.prepared_undecided,
                  f.decided_uncommitted, r.found_nothing_in_flight() ? " (NOTHING)" : "",
                  r.operations, r.recovery_seconds, r.anomalies.size() + r.discrepancies.size());
    std::string text = line;
    for (double t : r.takeover_seconds) {
      std::snprintf(line, sizeof line, ", taken over in %.2f s", t);
      text += line;
    }
    bar.print(text);
  }
  report.write(options_.out_dir);
  return report;
}

RunResult ChaosRunner::run_one(int index, const Fault& fault) {
  Run run;
  run.result.index = index;
  run.result.fault = fault.name();
  const bool takeover_point = fault.kind == FaultKind::kCrashAt && is_takeover_point(*fault.point);
  std::string crash_spec = fault.kind == FaultKind::kCrashAt
                               ? std::string(name_of(*fault.point)) + ":" +
                                     std::to_string(takeover_point ? 1 : fault.nth)
                               : "";
  const std::size_t victim = static_cast<std::size_t>(fault.node) % nodes_.size();
  // The faults that strike one coordinator say which.
  const bool strikes_a_node = fault.kind == FaultKind::kCrashAt ||
                              fault.kind == FaultKind::kCrashRandom ||
                              fault.kind == FaultKind::kKillNode;
  if (nodes_.size() > 1 && strikes_a_node) run.result.fault += "@" + nodes_[victim].id;
  // Armed: the victim of a crash point; for the takeover's points, every node but the one
  // that will be killed, so whichever claims it dies mid-takeover.
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const bool armed = takeover_point ? i != victim : i == victim;
    const std::string want = armed ? crash_spec : "";
    if (want != nodes_[i].armed_crash || !nodes_[i].running()) {
      stop_node(nodes_[i]);
      start_node(nodes_[i], want);
    }
  }

  const std::string prefix =
      "chaos-s" + std::to_string(options_.seed) + "-r" + std::to_string(index) + "-";
  workload::RaceOptions w;
  w.clients = options_.clients;
  w.duration = options_.duration;
  w.seed = options_.seed * 7919 + static_cast<std::uint64_t>(index);
  w.prefix = prefix;
  w.funded_accounts_per_client = options_.accounts_per_client;
  // Each connection the clients open goes to the next node: a client's pay and its racing
  // cancel land on different coordinators (contract §9: any node accepts any request).
  auto next_node = std::make_shared<std::atomic<std::size_t>>(0);
  workload::PayCancelRace race(w, [this, next_node] {
    const Node& node = nodes_[(*next_node)++ % nodes_.size()];
    return HttpClient("127.0.0.1", node.port, std::chrono::seconds(10));
  });
  // The previous run's fault may still echo (a session to a restarted server fails once):
  // opening accounts sends again what the coordinator answers with "try again".
  race.open_accounts();

  for (const auto& node : nodes_)
    run.log_offsets.push_back(log_size(node.log_path));
  run.began = Clock::now();
  const double run_offset = now();
  workload::RaceResult raced;
  std::thread clients([&] { raced = race.run(run.began); });
  // Alongside the clients: the phase gauge sampled, and the progress line.
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    report::ProgressBar bar(options_.progress);
    std::vector<Node*> every;
    for (auto& n : nodes_)
      every.push_back(&n);
    while (!done) {
      double at = now();
      if (auto s = sample(every)) run.phase_samples.emplace_back(at, *s);
      bar.draw(std::chrono::duration<double>(Clock::now() - run.began) / options_.duration,
               "run " + std::to_string(index) + "/" + std::to_string(options_.runs) + " " +
                   run.result.fault + ", " + std::to_string(race.answered()) + " answers");
      std::this_thread::sleep_for(kSampleEvery);
    }
  });
  inject(fault, run);
  // The clients keep retrying after the fault; keep the coordinators alive for them.
  while (Clock::now() < run.began + options_.duration) {
    restart_dead_nodes(run);
    std::this_thread::sleep_for(milliseconds(20));
  }
  release_taken_over(run, true);
  restart_dead_nodes(run);
  clients.join();
  done = true;
  watcher.join();

  auto& r = run.result;
  r.operations = raced.ops.size();
  r.orders_created = raced.orders_created;
  for (const auto& op : raced.ops) {
    if (op.status != 0) {
      r.acknowledged++;
      r.answer_times.push_back(run_offset + op.answered_at);
    } else {
      r.unanswered++;
    }
    r.retries += static_cast<std::size_t>(std::max(0, op.attempts - 1));
  }
  for (const auto& error : raced.errors) {
    r.discrepancies.push_back(
        {"the coordinator refused a request of the workload it must accept", {{"error", error}}});
  }
  const double run_end = run_offset + std::chrono::duration<double>(options_.duration).count();
  for (const auto& [at, sample] : run.phase_samples) {
    bool disturbed = at < run_offset + kWarmUpSeconds || at > run_end;
    for (const auto& w : r.fault_windows)
      disturbed = disturbed || (at >= w.start && at <= w.end + kAfterFaultSeconds);
    if (!disturbed) r.phase_samples.add(sample);
  }
  wait_recovered(run);
  check(run, prefix, raced.ops);
  count(run, raced.ops);
  return run.result;
}

void ChaosRunner::inject(const Fault& fault, Run& run) {
  auto& r = run.result;
  Node& victim = nodes_[static_cast<std::size_t>(fault.node) % nodes_.size()];
  if (fault.kind == FaultKind::kCrashAt) {
    if (is_takeover_point(*fault.point)) {
      crash_mid_takeover(fault, run);
    } else {
      wait_for_crash_point(victim, run);
    }
    return;
  }
  const auto end = run.began + options_.duration;
  std::this_thread::sleep_until(run.began + fault.at);
  r.random_fault = true;
  // Right before the strike: what it is about to hit (a coordinator's own work, or all of
  // it when the fault is outside the coordinators).
  const bool strikes_a_node =
      fault.kind == FaultKind::kCrashRandom || fault.kind == FaultKind::kKillNode;
  r.in_flight_at_fault = strikes_a_node ? sample({&victim}) : sample(all_nodes());
  if (r.in_flight_at_fault) r.in_flight_source = "metrics";
  run.fault_at = std::chrono::duration<double>(Clock::now() - run.began).count();
  auto action = make_fault_action(fault, *pair_, *victim.process, broker_.get(), etcd_.get());
  const double start = now();
  if (fault.kind == FaultKind::kKillNode) {
    // Down until a survivor has taken it over; the run's loop restarts it then.
    if (action->strike()) r.fault_fired = true;
    hold_down(victim, run);
    return;
  }
  for (int strike = 0; strike < action->strikes() && Clock::now() < end; ++strike) {
    if (action->strike()) r.fault_fired = true;
    std::this_thread::sleep_for(fault.length);
  }
  action->end();
  if (fault.kind == FaultKind::kCrashRandom) {
    restart_node(victim, run);  // records the window and the recovery
    r.fault_windows.back().what = r.fault;
    return;
  }
  r.fault_windows.push_back({start, now(), r.fault});
  measure_recovery(run, now());
}

// Armed at start: the coordinator kills itself when it reaches the point.
void ChaosRunner::wait_for_crash_point(Node& node, Run& run) {
  constexpr milliseconds kPoll{5};
  auto& r = run.result;
  const auto end = run.began + options_.duration;
  while (Clock::now() < end && node.running())
    std::this_thread::sleep_for(kPoll);
  if (node.running()) return;
  r.fault_fired = true;
  // It died within the last poll: half of one back is the best guess of the instant.
  run.fault_at = std::chrono::duration<double>(Clock::now() - run.began - kPoll / 2).count();
  restart_node(node, run);
  r.fault_windows.back().what = r.fault;
  if (!run.recoveries.empty()) run.crash_recovery = run.recoveries.back();
}

// The takeover's own crash points: the victim is SIGKILLed at the fault's instant and held
// down; every other node is armed, so the first to claim it dies mid-takeover, and the
// rest (restarted takers among them) must finish the victim's and the taker's branches.
void ChaosRunner::crash_mid_takeover(const Fault& fault, Run& run) {
  constexpr milliseconds kPoll{5};
  auto& r = run.result;
  Node& victim = nodes_[static_cast<std::size_t>(fault.node) % nodes_.size()];
  const auto end = run.began + options_.duration;
  std::this_thread::sleep_until(run.began + fault.at);
  run.fault_at = std::chrono::duration<double>(Clock::now() - run.began).count();
  victim.process->signal(SIGKILL);
  victim.process->wait_exit(std::chrono::seconds(5));
  hold_down(victim, run);
  auto a_taker_died = [&] {
    for (auto& n : nodes_)
      if (&n != &victim && !n.running()) return true;
    return false;
  };
  const double bound =
      std::chrono::duration<double>(options_.takeover_after).count() + kTakeoverSlackSeconds;
  while ((Clock::now() < end || now() - victim.killed_at < bound) && !a_taker_died())
    std::this_thread::sleep_for(kPoll);
  if (!a_taker_died()) return;  // not reached: the report says "missed"
  r.fault_fired = true;
  const double died = now();
  restart_dead_nodes(run);  // the takers, not the held victim
  for (auto& w : r.fault_windows)
    if (w.start >= died) w.what = r.fault;
}

// Ready again, and nothing left in doubt: recovery has finished what the fault left.
void ChaosRunner::measure_recovery(Run& run, double fault_ended) {
  auto until = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < until) {
    bool all = true;
    for (auto& node : nodes_) {
      if (node.held_down) continue;
      if (!node.running()) return;  // died again: the restart measures anew
      try {
        auto http = node.process->client(std::chrono::seconds(5));
        // Ready, nothing in doubt, and (tcc, saga, outbox) nothing in flight or undelivered.
        all = all && http.get("/healthz").status == 200 &&
              http.get("/v1/transactions?state=in_doubt").json().value("count", 1) == 0 &&
              http.get("/v1/status").json().value("settled", false);
      } catch (const std::exception&) {
        all = false;
      }
      if (!all) break;
    }
    if (all) {
      run.result.recovery_seconds = std::max(run.result.recovery_seconds, now() - fault_ended);
      return;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  run.result.discrepancies.push_back(
      {"recovery did not finish within 60 s", {{"run", run.result.index}}});
}

// Before checking: every coordinator alive (a held one taken over first), ready, with
// nothing in doubt.
void ChaosRunner::wait_recovered(Run& run) {
  release_taken_over(run, true);
  restart_dead_nodes(run);
  double before = run.result.recovery_seconds;
  measure_recovery(run, now());
  run.result.recovery_seconds = before;  // settling after the run is not the fault's recovery
}

// Invariants 1-4 with the reconcile checker, invariant 5 with the clients' history; and
// from the same final state, what the run committed.
void ChaosRunner::check(Run& run, const std::string& prefix, const std::vector<workload::Op>& ops) {
  auto orders_db = pair_->connect("orders");
  auto payments_db = pair_->connect("payments");
  reconcile::Scope scope;
  scope.account_prefix = prefix;
  // One node: only its branches. Several: the pair is chaos's own, every branch is ours.
  if (nodes_.size() == 1) scope.node_id = nodes_[0].id;
  auto report = reconcile::check(*orders_db, *payments_db, scope);
  for (const auto& d : report.discrepancies) {
    run.result.discrepancies.push_back(
        {"invariant " + std::to_string(d.invariant) + ": " + d.problem, d.facts});
  }
  auto final_state = read_final_state(*orders_db, *payments_db, prefix);
  for (const auto& [order_id, f] : final_state) {
    if (f.payment) ++run.result.pays_committed;
    if (f.payment == "REFUNDED") ++run.result.refunds_committed;
    if (f.status == "CANCELLED" && !f.payment) ++run.result.cancels_committed;
  }
  run.result.anomalies = check_history(ops, final_state, promise_of(options_.architecture));
}

void ChaosRunner::count(Run& run, const std::vector<workload::Op>& ops) {
  auto& r = run.result;
  std::set<std::int64_t> orders;
  for (const auto& op : ops)
    orders.insert(op.order_id);
  std::vector<nlohmann::json> events;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    auto more = read_events(nodes_[i].log_path, run.log_offsets[i]);
    for (const auto& e : more)
      if (e.value("event", "") == "takeover_finished") ++r.takeovers;
    events.insert(events.end(), more.begin(), more.end());
  }
  auto aborts = count_aborts(events, orders);
  r.transactions_aborted = aborts.aborted;
  r.transactions_refused = aborts.refused;
  // Killed before they could log their end: recovery rolled them back.
  for (const auto& found : run.recoveries)
    r.transactions_aborted += found.to_roll_back;
  if (run.fault_at) r.requests_outstanding_at_fault = requests_outstanding_at(ops, *run.fault_at);
  if (run.crash_recovery) {
    r.in_flight_at_fault =
        in_flight_from_recovery(*run.crash_recovery, r.requests_outstanding_at_fault);
    r.in_flight_source = "recovery";
  }
}

}  // namespace xacoord::chaos
