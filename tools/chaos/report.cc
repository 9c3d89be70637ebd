#include "tools/chaos/report.h"

#include "tools/report/svg_chart.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace xacoord::chaos {
namespace {

std::string fixed(double v, int digits = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

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

nlohmann::json ChaosReport::to_json() const {
  nlohmann::json runs_json = nlohmann::json::array();
  std::size_t ops = 0, acks = 0, unanswered = 0;
  std::map<std::string, int> faults;
  double worst_recovery = 0, total_recovery = 0;
  for (const auto& r : runs) {
    ops += r.operations;
    acks += r.acknowledged;
    unanswered += r.unanswered;
    if (r.fault_fired) faults[r.fault.substr(0, r.fault.find(':'))]++;
    worst_recovery = std::max(worst_recovery, r.recovery_seconds);
    total_recovery += r.recovery_seconds;
    nlohmann::json anomalies = nlohmann::json::array(), discrepancies = nlohmann::json::array();
    for (const auto& a : r.anomalies)
      anomalies.push_back({{"kind", a.kind}, {"example", a.example}});
    for (const auto& a : r.discrepancies)
      discrepancies.push_back({{"kind", a.kind}, {"example", a.example}});
    runs_json.push_back({{"run", r.index},
                         {"fault", r.fault},
                         {"fault_fired", r.fault_fired},
                         {"operations", r.operations},
                         {"acknowledged", r.acknowledged},
                         {"unanswered", r.unanswered},
                         {"retries", r.retries},
                         {"recovery_seconds", r.recovery_seconds},
                         {"history_anomalies", anomalies},
                         {"invariant_discrepancies", discrepancies}});
  }
  nlohmann::json by_kind = nlohmann::json::object();
  for (const auto& [kind, s] : summarize(runs)) {
    by_kind[kind] = {{"count", s.count},
                     {"first", {{"run", s.first_run}, {"example", s.first}}},
                     {"worst_run", {{"run", s.worst_run}, {"count", s.worst_run_count}}}};
  }
  return {{"seed", seed},
          {"command", command},
          {"unsafe", unsafe},
          {"totals",
           {{"runs", runs.size()},
            {"operations", ops},
            {"acknowledged", acks},
            {"unanswered", unanswered},
            {"faults_fired", faults},
            {"violations", violations()},
            {"recovery_seconds_mean",
             runs.empty() ? 0 : total_recovery / static_cast<double>(runs.size())},
            {"recovery_seconds_max", worst_recovery}}},
          {"anomalies_by_kind", by_kind},
          {"runs", runs_json}};
}

std::string ChaosReport::to_markdown(const std::string& svg_name) const {
  auto j = to_json();
  const auto& t = j["totals"];
  std::ostringstream md;
  md << "# Chaos report\n\n";
  md << "`" << command << "`\n\n";
  if (unsafe)
    md << "**UNSAFE baseline** (`serve --unsafe-no-2pc`): violations are expected here.\n\n";
  md << "| runs | operations | acknowledged | unanswered | violations | recovery mean | recovery "
        "max |\n";
  md << "|---:|---:|---:|---:|---:|---:|---:|\n";
  md << "| " << t["runs"] << " | " << t["operations"] << " | " << t["acknowledged"] << " | "
     << t["unanswered"] << " | " << t["violations"] << " | "
     << fixed(t["recovery_seconds_mean"].get<double>()) << " s | "
     << fixed(t["recovery_seconds_max"].get<double>()) << " s |\n\n";
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
  md << "## Runs\n\n| run | fault | fired | ops | acked | unanswered | recovery | violations |\n";
  md << "|---:|---|:-:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : runs) {
    md << "| " << r.index << " | " << r.fault << " | " << (r.fault_fired ? "yes" : "no") << " | "
       << r.operations << " | " << r.acknowledged << " | " << r.unanswered << " | "
       << fixed(r.recovery_seconds) << " s | " << r.anomalies.size() + r.discrepancies.size()
       << " |\n";
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
