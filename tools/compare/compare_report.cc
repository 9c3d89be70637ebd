#include "tools/compare/compare_report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "tools/report/number_text.h"
#include "tools/report/svg_chart.h"

namespace xacoord::compare {

using report::fixed;

nlohmann::json ArmResult::to_json() const {
  nlohmann::json fired = nlohmann::json::object(), scheduled = nlohmann::json::object();
  for (const auto& [name, n] : faults_fired)
    fired[name] = n;
  for (const auto& [name, n] : faults_scheduled)
    scheduled[name] = n;
  nlohmann::json not_applicable = nlohmann::json::object();
  for (const auto& [name, n] : faults_not_applicable)
    not_applicable[name] = n;
  nlohmann::json windows = nlohmann::json::array();
  for (const auto& w : fault_windows)
    windows.push_back({{"start_s", w.start}, {"end_s", w.end}, {"what", w.what}});
  nlohmann::json samples = nlohmann::json::array();
  for (const auto& s : sampler.samples) {
    nlohmann::json j{{"at_s", std::round(s.at * 1000) / 1000}};
    j["snapshot"] = s.snapshot ? nlohmann::json(*s.snapshot) : nlohmann::json();
    if (s.locking_on)
      j["locking"] = s.locking ? nlohmann::json(*s.locking)
                               : nlohmann::json(s.locking_blocked ? "blocked" : "failed");
    samples.push_back(j);
  }
  return {
      {"architecture", architecture},
      {"kept_promise", kept_promise()},
      {"throughput_per_s", throughput_per_s},
      {"p50_ms", p50_ms},
      {"p99_ms", p99_ms},
      {"final_state_p50_ms", final_state_p50_ms},
      {"final_state_p99_ms", final_state_p99_ms},
      {"acknowledged_lost", acknowledged_lost},
      {"permanent_anomalies", permanent_anomalies},
      {"permanent_examples", permanent_examples},
      {"transient_anomaly_samples", sampler.transient_anomaly_samples},
      {"snapshot_anomaly_samples", sampler.snapshot_anomaly_samples},
      {"max_inconsistency_ms", sampler.max_snapshot_window_ms},
      {"max_transient_inconsistency_ms", sampler.max_locking_window_ms},
      {"longest_inconsistent", sampler.longest_window_subject},
      {"compensations", compensations},
      {"refunds", refunds},
      {"charges_later_refunded", refunds + compensations},
      {"pays_committed", pays_committed},
      {"settle_ms", settle_ms},
      {"faults_fired", fired},
      {"faults_scheduled", scheduled},
      {"faults_not_applicable", not_applicable},
      {"operations", operations},
      {"answered", answered},
      {"unanswered", unanswered},
      {"harness_errors", harness_errors},
      {"samples", sampler.samples.size()},
      {"locking_samples", sampler.locking_samples},
      {"locking_samples_blocked", sampler.locking_blocked},
      {"throughput_locking_sampler_on_per_s", throughput_locking_on_per_s},
      {"throughput_locking_sampler_off_per_s", throughput_locking_off_per_s},
      {"order_row_lock_ms", order_row_lock_ms},
      {"mean_orders_rows_locked", sampler.mean_orders_rows_locked},
      {"db_statements_per_pay", db_statements_per_pay},
      {"coordinator_cpu_ms_per_pay", coordinator_cpu_ms_per_pay},
      {"coordinator_restarts", coordinator_restarts},
      {"fault_windows", windows},
      {"timeline", samples},
  };
}

bool CompareReport::promises_kept() const {
  for (const auto& a : arms)
    if (a.architecture != "naive" && !a.kept_promise()) return false;
  return true;
}

nlohmann::json CompareReport::to_json() const {
  nlohmann::json out{{"seed", seed},
                     {"command", command},
                     {"decision_store", decision_store},
                     {"faults", faults},
                     {"duration_s", duration_s},
                     {"clients", clients},
                     {"promises_kept", promises_kept()},
                     {"arms", nlohmann::json::array()}};
  for (const auto& a : arms)
    out["arms"].push_back(a.to_json());
  return out;
}

std::string CompareReport::to_markdown() const {
  std::string md = "# xacoord compare\n\n`" + command + "`\n\nSeed " + std::to_string(seed) + ", " +
                   fixed(duration_s, 0) + " s per arm, " + std::to_string(clients) +
                   " clients, faults `" + faults + "`. " +
                   (promises_kept() ? "Every arm but naive kept its promise."
                                    : "**An arm other than naive broke its promise.**") +
                   " Fields: docs/architectures/compare.md.\n\n";
  md +=
      "| arm | promise | answers/s | p50 ms | p99 ms | final state p50 / p99 ms | lost acks | "
      "permanent | transient "
      "samples | snapshot samples | longest window ms | compensations | refunds | settle ms | "
      "order-row lock ms | statements/pay | CPU ms/pay | locking sampler cost | faults fired |\n";
  md += "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& a : arms) {
    int fired = 0, scheduled = 0;
    for (const auto& [n, c] : a.faults_fired)
      fired += c;
    for (const auto& [n, c] : a.faults_scheduled)
      scheduled += c;
    const double cost = a.throughput_locking_off_per_s > 0
                            ? 1 - a.throughput_locking_on_per_s / a.throughput_locking_off_per_s
                            : 0;
    md += "| " + a.architecture + " | " +
          (a.kept_promise() ? "kept" : (a.architecture == "naive" ? "none (baseline)" : "BROKEN")) +
          " | " + fixed(a.throughput_per_s, 1) + " | " + fixed(a.p50_ms, 1) + " | " +
          fixed(a.p99_ms, 1) + " | " + fixed(a.final_state_p50_ms, 1) + " / " +
          fixed(a.final_state_p99_ms, 1) + " | " + std::to_string(a.acknowledged_lost) + " | " +
          std::to_string(a.permanent_anomalies) + " | " +
          std::to_string(a.sampler.transient_anomaly_samples) + "/" +
          std::to_string(a.sampler.locking_samples) + " | " +
          std::to_string(a.sampler.snapshot_anomaly_samples) + "/" +
          std::to_string(a.sampler.samples.size()) + " | " +
          fixed(a.sampler.max_snapshot_window_ms, 0) + " | " + std::to_string(a.compensations) +
          " | " + std::to_string(a.refunds) + " | " + fixed(a.settle_ms, 0) + " | " +
          fixed(a.order_row_lock_ms, 1) + " | " + fixed(a.db_statements_per_pay, 1) + " | " +
          fixed(a.coordinator_cpu_ms_per_pay, 2) + " | " + fixed(cost * 100, 0) + "% | " +
          std::to_string(fired) + "/" + std::to_string(scheduled) + " |\n";
  }
  md += "\nFaults fired, by name:\n\n";
  for (const auto& a : arms) {
    md += "- " + a.architecture + ":";
    for (const auto& [name, n] : a.faults_scheduled) {
      auto it = a.faults_fired.find(name);
      md += " " + name + " " + std::to_string(it == a.faults_fired.end() ? 0 : it->second) + "/" +
            std::to_string(n) + ";";
    }
    for (const auto& [name, n] : a.faults_not_applicable)
      md += " " + name + " n/a (nothing to strike);";
    md += "\n";
  }
  md += "\nPermanent anomalies, the first of each arm:\n\n";
  for (const auto& a : arms)
    for (const auto& e : a.permanent_examples)
      md += "- " + a.architecture + ": `" + e.dump() + "`\n";
  md += "\n![throughput](throughput.svg)\n\n![anomalies](anomalies.svg)\n";
  return md;
}

namespace {

void shade_faults(report::SvgChart& chart, const std::vector<ArmResult>& arms) {
  // The schedule's instants are the same for every arm; the first arm's windows stand for
  // them (the others' differ by their recovery times, listed in compare.json).
  if (arms.empty()) return;
  for (const auto& w : arms.front().fault_windows)
    chart.shade(w.start, std::max(w.end, w.start + 0.1), w.what);
}

}  // namespace

std::string CompareReport::throughput_svg() const {
  report::SvgChart chart(900, 300);
  shade_faults(chart, arms);
  for (const auto& a : arms) {
    std::map<long, double> per_second;
    for (long s = 0; s < static_cast<long>(std::ceil(a.duration_s)); ++s)
      per_second[s] = 0;
    for (double t : a.answer_times)
      if (t < a.duration_s) per_second[static_cast<long>(t)] += 1;
    report::SvgChart::Points points;
    for (const auto& [s, n] : per_second)
      points.emplace_back(static_cast<double>(s) + 0.5, n);
    chart.line(std::move(points), a.architecture);
  }
  chart.x_range(0, duration_s);
  chart.y_unit("answers/s");
  chart.caption("throughput over each arm's run (s); shaded: the first arm's fault windows");
  return chart.render();
}

std::string CompareReport::anomalies_svg() const {
  report::SvgChart chart(900, 300);
  shade_faults(chart, arms);
  // naive's permanent anomalies pile up into the thousands: the scale is the other arms',
  // and naive's line is clipped at its top.
  double top = 0, naive_top = 0;
  for (const auto& a : arms) {
    double& arm_top = a.architecture == "naive" ? naive_top : top;
    for (const auto& s : a.sampler.samples)
      if (s.snapshot) arm_top = std::max(arm_top, static_cast<double>(*s.snapshot));
  }
  const double y_max = top > 0 ? std::ceil(top * 1.25) : std::max(1.0, naive_top);
  for (const auto& a : arms) {
    report::SvgChart::Points points;
    for (const auto& s : a.sampler.samples)
      if (s.snapshot && s.at <= duration_s)
        points.emplace_back(s.at, std::min(y_max, static_cast<double>(*s.snapshot)));
    chart.line(std::move(points), a.architecture);
  }
  chart.x_range(0, duration_s);
  chart.y_range(0, y_max);
  chart.y_unit("anomalous");
  chart.caption(
      "orders and accounts breaking invariants 1-3 in the snapshot reads (s); shaded: "
      "the first arm's fault windows" +
      (naive_top > y_max ? "; naive clipped (up to " + fixed(naive_top, 0) + ")" : std::string()));
  return chart.render();
}

void CompareReport::write(const std::string& dir) const {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/compare.json") << to_json().dump(2) << "\n";
  std::ofstream(dir + "/compare.md") << to_markdown();
  std::ofstream(dir + "/throughput.svg") << throughput_svg();
  std::ofstream(dir + "/anomalies.svg") << anomalies_svg();
}

}  // namespace xacoord::compare
