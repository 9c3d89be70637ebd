#include "tools/chaos/report.h"

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
  for (const auto& r : runs) n += r.anomalies.size() + r.discrepancies.size();
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
    for (const auto& a : r.anomalies) anomalies.push_back({{"kind", a.kind}, {"example", a.example}});
    for (const auto& a : r.discrepancies) discrepancies.push_back({{"kind", a.kind}, {"example", a.example}});
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
    by_kind[kind] = {{"count", s.count}, {"first", {{"run", s.first_run}, {"example", s.first}}},
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
            {"recovery_seconds_mean", runs.empty() ? 0 : total_recovery / static_cast<double>(runs.size())},
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
  if (unsafe) md << "**UNSAFE baseline** (`serve --unsafe-no-2pc`): violations are expected here.\n\n";
  md << "| runs | operations | acknowledged | unanswered | violations | recovery mean | recovery max |\n";
  md << "|---:|---:|---:|---:|---:|---:|---:|\n";
  md << "| " << t["runs"] << " | " << t["operations"] << " | " << t["acknowledged"] << " | " << t["unanswered"]
     << " | " << t["violations"] << " | " << fixed(t["recovery_seconds_mean"].get<double>()) << " s | "
     << fixed(t["recovery_seconds_max"].get<double>()) << " s |\n\n";
  md << "Faults fired:";
  for (const auto& [kind, n] : t["faults_fired"].items()) md << " " << kind << " " << n << ";";
  md << "\n\n![throughput](" << svg_name << ")\n\n";
  md << "## Anomalies\n\n";
  if (j["anomalies_by_kind"].empty()) {
    md << "None: every acknowledged outcome kept, invariants 1-4 held after every run, no branch left prepared.\n\n";
  } else {
    md << "| kind | count | first (run) | worst run |\n|---|---:|---|---|\n";
    for (const auto& [kind, s] : j["anomalies_by_kind"].items()) {
      md << "| " << kind << " | " << s["count"] << " | run " << s["first"]["run"] << ": `" << s["first"]["example"].dump()
         << "` | run " << s["worst_run"]["run"] << " (" << s["worst_run"]["count"] << ") |\n";
    }
    md << "\n";
  }
  md << "## Runs\n\n| run | fault | fired | ops | acked | unanswered | recovery | violations |\n";
  md << "|---:|---|:-:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : runs) {
    md << "| " << r.index << " | " << r.fault << " | " << (r.fault_fired ? "yes" : "no") << " | " << r.operations
       << " | " << r.acknowledged << " | " << r.unanswered << " | " << fixed(r.recovery_seconds) << " s | "
       << r.anomalies.size() + r.discrepancies.size() << " |\n";
  }
  return md.str();
}

std::string ChaosReport::throughput_svg() const {
  constexpr double kBucket = 0.5;  // seconds per point
  std::vector<double> times;
  std::vector<Window> windows;
  for (const auto& r : runs) {
    times.insert(times.end(), r.answer_times.begin(), r.answer_times.end());
    windows.insert(windows.end(), r.fault_windows.begin(), r.fault_windows.end());
  }
  double end = 1;
  for (double t : times) end = std::max(end, t);
  for (const auto& w : windows) end = std::max(end, w.end);
  std::vector<double> rate(static_cast<std::size_t>(end / kBucket) + 1, 0);
  for (double t : times) rate[static_cast<std::size_t>(t / kBucket)] += 1 / kBucket;
  double peak = 1;
  for (double r : rate) peak = std::max(peak, r);
  const double width = 900, height = 260, left = 60, bottom = 30, top = 20, right = 20;
  auto x = [&](double t) { return left + (width - left - right) * t / end; };
  auto y = [&](double r) { return height - bottom - (height - bottom - top) * r / peak; };
  std::ostringstream svg;
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='" << width << "' height='" << height
      << "' font-family='sans-serif' font-size='11'>\n<rect width='100%' height='100%' fill='white'/>\n";
  for (const auto& w : windows) {
    svg << "<rect x='" << fixed(x(w.start)) << "' y='" << top << "' width='" << fixed(std::max(1.0, x(w.end) - x(w.start)))
        << "' height='" << height - bottom - top << "' fill='#f4a6a6' opacity='0.5'><title>" << w.what
        << "</title></rect>\n";
  }
  svg << "<polyline fill='none' stroke='#1f5fbf' stroke-width='1.5' points='";
  for (std::size_t i = 0; i < rate.size(); ++i) svg << fixed(x(static_cast<double>(i) * kBucket)) << "," << fixed(y(rate[i])) << " ";
  svg << "'/>\n";
  svg << "<line x1='" << left << "' y1='" << height - bottom << "' x2='" << width - right << "' y2='" << height - bottom
      << "' stroke='black'/>\n<line x1='" << left << "' y1='" << top << "' x2='" << left << "' y2='" << height - bottom
      << "' stroke='black'/>\n";
  svg << "<text x='" << left + 4 << "' y='" << top + 10 << "'>" << fixed(peak, 0) << " answers/s</text>\n";
  svg << "<text x='" << width - right - 120 << "' y='" << height - 8 << "'>" << fixed(end, 0) << " s</text>\n";
  svg << "<text x='" << left << "' y='" << height - 8 << "'>throughput over time; shaded: fault windows</text>\n";
  svg << "</svg>\n";
  return svg.str();
}

void ChaosReport::write(const std::string& dir) const {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/report.json") << to_json().dump(2) << "\n";
  std::ofstream(dir + "/throughput.svg") << throughput_svg();
  std::ofstream(dir + "/report.md") << to_markdown("throughput.svg");
}

}  // namespace xacoord::chaos
