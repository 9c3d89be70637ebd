#include "tools/chaos/report.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "tools/report/number_text.h"
#include "tools/report/svg_chart.h"

namespace xacoord::chaos {
namespace {

struct AnomalySummary {
  std::size_t count = 0;
  nlohmann::json first;
  int first_run = 0;
  std::size_t worst_run_count = 0;  // the run with the most of this kind
  int worst_run = 0;
};

std::map<std::string, AnomalySummary> summarize(const std::vector<RunResult>& runs) {
  std::map<std::string, AnomalySummary> out;
  for (const auto& r : runs) {
    std::map<std::string, std::size_t> in_run;
    for (const auto* list : {&r.anomalies, &r.discrepancies}) {
      for (const auto& a : *list) {
        auto& s = out[a.kind];
        if (s.count++ == 0) {
          s.first = a.example;
          s.first_run = r.index;
        }
        in_run[a.kind]++;
      }
    }
    for (const auto& [kind, n] : in_run) {
      auto& s = out[kind];
      if (n > s.worst_run_count) {
        s.worst_run_count = n;
        s.worst_run = r.index;
      }
    }
  }
  return out;
}

}  // namespace

std::size_t ChaosReport::violations() const {
  std::size_t n = 0;
  for (const auto& r : runs)
    n += r.anomalies.size() + r.discrepancies.size();
  return n;
}

std::size_t ChaosReport::random_faults_fired() const {
  return static_cast<std::size_t>(std::count_if(runs.begin(), runs.end(), [](const RunResult& r) {
    return r.random_fault && r.fault_fired;
  }));
}

std::size_t ChaosReport::random_faults_finding_nothing() const {
  return static_cast<std::size_t>(std::count_if(
      runs.begin(), runs.end(), [](const RunResult& r) { return r.found_nothing_in_flight(); }));
}

bool ChaosReport::too_many_faults_found_nothing() const {
  return static_cast<double>(random_faults_finding_nothing()) >
         kMaxShareFindingNothing * static_cast<double>(random_faults_fired());
}

nlohmann::json ChaosReport::to_json() const {
  auto sum = [this](std::size_t RunResult::*count) {
    std::size_t n = 0;
    for (const auto& r : runs)
      n += r.*count;
    return n;
  };
  nlohmann::json runs_json = nlohmann::json::array();
  std::map<std::string, int> faults;
  std::map<std::string, InFlight> in_flight_by_fault;
  InFlight in_flight;
  PhaseSamples phases;
  double worst_recovery = 0, total_recovery = 0;
  std::vector<double> takeover_times;
  for (const auto& r : runs) {
    // "kill-db:orders" and "kill-node@chaos2" are of the kinds kill-db and kill-node.
    const std::string kind = r.fault.substr(0, r.fault.find_first_of(":@"));
    takeover_times.insert(takeover_times.end(), r.takeover_seconds.begin(),
                          r.takeover_seconds.end());
    phases += r.phase_samples;
    if (r.fault_fired) faults[kind]++;
    if (r.in_flight_at_fault) {
      in_flight += *r.in_flight_at_fault;
      in_flight_by_fault[r.fault] += *r.in_flight_at_fault;
    }
    worst_recovery = std::max(worst_recovery, r.recovery_seconds);
    total_recovery += r.recovery_seconds;
    nlohmann::json anomalies = nlohmann::json::array(), discrepancies = nlohmann::json::array();
    for (const auto& a : r.anomalies)
      anomalies.push_back({{"kind", a.kind}, {"example", a.example}});
    for (const auto& a : r.discrepancies)
      discrepancies.push_back({{"kind", a.kind}, {"example", a.example}});
    runs_json.push_back(
        {{"run", r.index},
         {"fault", r.fault},
         {"fault_fired", r.fault_fired},
         {"random_fault", r.random_fault},
         {"transactions_committed", r.transactions_committed()},
         {"pays_committed", r.pays_committed},
         {"refunds_committed", r.refunds_committed},
         {"cancels_committed", r.cancels_committed},
         {"transactions_aborted", r.transactions_aborted},
         {"transactions_refused", r.transactions_refused},
         {"orders_created", r.orders_created},
         {"in_flight_at_fault", r.in_flight_at_fault.value_or(InFlight{}).to_json()},
         {"in_flight_measured", r.in_flight_at_fault.has_value()},
         {"in_flight_source", r.in_flight_source},
         {"found_nothing_in_flight", r.found_nothing_in_flight()},
         {"requests_outstanding_at_fault", r.requests_outstanding_at_fault},
         {"phase_samples", r.phase_samples.to_json()},
         {"operations", r.operations},
         {"acknowledged", r.acknowledged},
         {"unanswered", r.unanswered},
         {"retries", r.retries},
         {"recovery_seconds", r.recovery_seconds},
         {"takeover_seconds", r.takeover_seconds},
         {"takeovers", r.takeovers},
         {"history_anomalies", anomalies},
         {"invariant_discrepancies", discrepancies}});
  }
  nlohmann::json by_kind = nlohmann::json::object();
  for (const auto& [kind, s] : summarize(runs)) {
    by_kind[kind] = {{"count", s.count},
                     {"first", {{"run", s.first_run}, {"example", s.first}}},
                     {"worst_run", {{"run", s.worst_run}, {"count", s.worst_run_count}}}};
  }
  nlohmann::json in_flight_by_fault_json = nlohmann::json::object();
  for (const auto& [kind, f] : in_flight_by_fault)
    in_flight_by_fault_json[kind] = f.to_json();
  std::sort(takeover_times.begin(), takeover_times.end());
  nlohmann::json takeover_json = {
      {"count", takeover_times.size()},
      {"median", takeover_times.empty() ? 0.0 : takeover_times[takeover_times.size() / 2]},
      {"max", takeover_times.empty() ? 0.0 : takeover_times.back()}};
  return {{"seed", seed},
          {"command", command},
          {"unsafe", unsafe},
          {"architecture", architecture},
          {"nodes", nodes},
          {"decision_store", decision_store},
          {"totals",
           {{"runs", runs.size()},
            {"transactions_committed",
             sum(&RunResult::pays_committed) + sum(&RunResult::refunds_committed)},
            {"pays_committed", sum(&RunResult::pays_committed)},
            {"refunds_committed", sum(&RunResult::refunds_committed)},
            {"cancels_committed", sum(&RunResult::cancels_committed)},
            {"transactions_aborted", sum(&RunResult::transactions_aborted)},
            {"transactions_refused", sum(&RunResult::transactions_refused)},
            {"orders_created", sum(&RunResult::orders_created)},
            {"in_flight_at_fault", in_flight.to_json()},
            {"in_flight_at_fault_by_fault", in_flight_by_fault_json},
            {"random_faults_fired", random_faults_fired()},
            {"random_faults_found_nothing_in_flight", random_faults_finding_nothing()},
            {"max_share_finding_nothing", kMaxShareFindingNothing},
            {"phase_samples", phases.to_json()},
            {"operations", sum(&RunResult::operations)},
            {"acknowledged", sum(&RunResult::acknowledged)},
            {"unanswered", sum(&RunResult::unanswered)},
            {"faults_fired", faults},
            {"violations", violations()},
            {"recovery_seconds_mean",
             runs.empty() ? 0 : total_recovery / static_cast<double>(runs.size())},
            {"recovery_seconds_max", worst_recovery},
            {"takeovers", sum(&RunResult::takeovers)},
            {"takeover_seconds", takeover_json}}},
          {"anomalies_by_kind", by_kind},
          {"runs", runs_json}};
}

namespace {

std::string phases_cell(const nlohmann::json& f) {
  std::string cell = std::to_string(f["before_prepare"].get<std::size_t>()) + " / " +
                     std::to_string(f["prepared_undecided"].get<std::size_t>()) + " / " +
                     std::to_string(f["decided_uncommitted"].get<std::size_t>());
  const std::size_t messages = f.value("messages_pending", std::size_t{0});
  if (messages > 0) cell += " + " + std::to_string(messages) + " messages";
  return cell;
}

std::string percent(double share) {
  return report::fixed(share * 100, 1) + "%";
}

}  // namespace

std::string ChaosReport::to_markdown(const std::string& svg_name) const {
  auto j = to_json();
  const auto& t = j["totals"];
  std::ostringstream md;
  md << "# Chaos report\n\n";
  md << "`" << command << "`\n\n";
  if (unsafe)
    md << "**UNSAFE baseline** (`serve --architecture naive`): violations are expected here.\n\n";
  md << "## Under the faults\n\n";
  md << "| runs | transactions committed (pays + refunds) | aborted | in flight at the faults "
        "(before prepare / prepared, undecided / decided, uncommitted) | random faults that "
        "found nothing in flight | violations |\n";
  md << "|---:|---:|---:|---:|---:|---:|\n";
  md << "| " << t["runs"] << " | " << t["transactions_committed"] << " (" << t["pays_committed"]
     << " + " << t["refunds_committed"] << ") | " << t["transactions_aborted"] << " | "
     << phases_cell(t["in_flight_at_fault"]) << " | " << t["random_faults_found_nothing_in_flight"]
     << " of " << t["random_faults_fired"] << " | " << t["violations"] << " |\n\n";
  if (too_many_faults_found_nothing()) {
    md << "**FAILED: more than " << percent(kMaxShareFindingNothing)
       << " of the random faults found no transaction in flight.**\n\n";
  }
  const auto& ps = t["phase_samples"];
  md << "The phase gauge sampled through the runs, away from the faults (" << ps["samples"]
     << " samples): every phase busy at once in "
     << percent(ps["share_with_every_phase"].get<double>()) << ", nothing in flight in "
     << percent(ps["share_with_none"].get<double>())
     << ". Also committed: " << t["cancels_committed"] << " cancels of pending orders; "
     << t["transactions_refused"]
     << " transactions ended having written nothing (pays of final orders, replays).\n\n";
  md << "In flight at the faults, by fault:\n\n| fault | before prepare | prepared, undecided | "
        "decided, uncommitted |\n|---|---:|---:|---:|\n";
  for (const auto& [kind, f] : t["in_flight_at_fault_by_fault"].items()) {
    md << "| " << kind << " | " << f["before_prepare"] << " | " << f["prepared_undecided"] << " | "
       << f["decided_uncommitted"] << " |\n";
  }
  md << "\n## Operations\n\n";
  md << "| operations | acknowledged | unanswered | recovery mean | recovery max |\n";
  md << "|---:|---:|---:|---:|---:|\n";
  md << "| " << t["operations"] << " | " << t["acknowledged"] << " | " << t["unanswered"] << " | "
     << report::fixed(t["recovery_seconds_mean"].get<double>(), 2) << " s | "
     << report::fixed(t["recovery_seconds_max"].get<double>(), 2) << " s |\n\n";
  if (nodes > 1 || decision_store != "file") {
    const auto& tk = t["takeover_seconds"];
    md << nodes << " coordinators, decisions in " << decision_store << ". Dead coordinators "
       << "taken over by a survivor: " << tk["count"] << " (from the kill until no branch of "
       << "its id was prepared: median " << report::fixed(tk["median"].get<double>(), 2)
       << " s, max " << report::fixed(tk["max"].get<double>(), 2) << " s); `takeover_finished` "
       << "events: " << t["takeovers"] << ".\n\n";
  }
  md << "Faults fired:";
  for (const auto& [kind, n] : t["faults_fired"].items())
    md << " " << kind << " " << n << ";";
  md << "\n\n![throughput](" << svg_name << ")\n\n";
  md << "## Anomalies\n\n";
  if (j["anomalies_by_kind"].empty()) {
    md << "None: every acknowledged outcome kept, invariants 1-4 held after every run, no branch "
          "left prepared.\n\n";
  } else {
    md << "| kind | count | first (run) | worst run |\n|---|---:|---|---|\n";
    for (const auto& [kind, s] : j["anomalies_by_kind"].items()) {
      md << "| " << kind << " | " << s["count"] << " | run " << s["first"]["run"] << ": `"
         << s["first"]["example"].dump() << "` | run " << s["worst_run"]["run"] << " ("
         << s["worst_run"]["count"] << ") |\n";
    }
    md << "\n";
  }
  md << "## Runs\n\nIn flight: before prepare / prepared, undecided / decided, uncommitted "
        "(from the phase gauge, or from recovery after a crash point).\n\n";
  md << "| run | fault | fired | pays | refunds | aborted | in flight at the fault | ops | "
        "acked | unanswered | recovery | violations |\n";
  md << "|---:|---|:-:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n";
  for (const auto& r : runs) {
    std::string in_flight = !r.fault_fired ? ""
                            : !r.in_flight_at_fault
                                ? "not measured"
                                : phases_cell(r.in_flight_at_fault->to_json()) +
                                      (r.in_flight_source == "recovery" ? " (recovery)" : "");
    if (r.found_nothing_in_flight()) in_flight = "**nothing in flight** " + in_flight;
    md << "| " << r.index << " | " << r.fault << " | " << (r.fault_fired ? "yes" : "no") << " | "
       << r.pays_committed << " | " << r.refunds_committed << " | " << r.transactions_aborted
       << " | " << in_flight << " | " << r.operations << " | " << r.acknowledged << " | "
       << r.unanswered << " | " << report::fixed(r.recovery_seconds, 2) << " s | "
       << r.anomalies.size() + r.discrepancies.size() << " |\n";
  }
  return md.str();
}

std::string ChaosReport::throughput_svg() const {
  constexpr double kBucket = 0.5;  // seconds per point
  std::vector<double> times;
  report::SvgChart chart(900, 260);
  double end = 1;
  for (const auto& r : runs) {
    times.insert(times.end(), r.answer_times.begin(), r.answer_times.end());
    for (const auto& w : r.fault_windows) {
      chart.shade(w.start, w.end, w.what);
      end = std::max(end, w.end);
    }
  }
  for (double t : times)
    end = std::max(end, t);
  std::vector<double> rate(static_cast<std::size_t>(end / kBucket) + 1, 0);
  for (double t : times)
    rate[static_cast<std::size_t>(t / kBucket)] += 1 / kBucket;
  report::SvgChart::Points points;
  for (std::size_t i = 0; i < rate.size(); ++i)
    points.emplace_back(static_cast<double>(i) * kBucket, rate[i]);
  chart.line(std::move(points), "");
  chart.x_range(0, end);
  chart.y_unit("answers/s");
  chart.caption("throughput over time (s); shaded: fault windows");
  return chart.render();
}

void ChaosReport::write(const std::string& dir) const {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/report.json") << to_json().dump(2) << "\n";
  std::ofstream(dir + "/throughput.svg") << throughput_svg();
  std::ofstream(dir + "/report.md") << to_markdown("throughput.svg");
}

}  // namespace xacoord::chaos
