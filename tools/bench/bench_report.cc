#include "tools/bench/bench_report.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "tools/report/number_text.h"
#include "tools/report/svg_chart.h"

namespace xacoord::bench {

namespace {

const BenchResult* find(const std::vector<BenchResult>& rs, Mode m, int c) {
  for (const auto& r : rs) {
    if (r.mode == m && r.concurrency == c) return &r;
  }
  return nullptr;
}

}  // namespace

nlohmann::json BenchReport::to_json() const {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : results) {
    nlohmann::json j{{"mode", name_of(r.mode)},
                     {"concurrency", r.concurrency},
                     {"transactions", r.transactions},
                     {"errors", r.errors},
                     {"seconds", r.seconds},
                     {"throughput", r.throughput},
                     {"p50_ms", r.p50_ms},
                     {"p95_ms", r.p95_ms},
                     {"p99_ms", r.p99_ms},
                     {"latency_ms_percentiles", r.latency_ms_quantiles}};
    if (r.coordinator_cpu >= 0) j["coordinator_cpu_cores"] = r.coordinator_cpu;
    if (r.coordinator_rss_mib >= 0) j["coordinator_peak_rss_mib"] = r.coordinator_rss_mib;
    if (r.coordinator_us_per_pay >= 0) j["coordinator_cpu_us_per_pay"] = r.coordinator_us_per_pay;
    if (r.load_cpu >= 0) j["load_generator_cpu_cores"] = r.load_cpu;
    rows.push_back(j);
  }
  nlohmann::json ratios = nlohmann::json::array();
  std::map<int, bool> seen;
  for (const auto& r : results) {
    if (seen[r.concurrency]) continue;
    seen[r.concurrency] = true;
    auto x = find(results, Mode::kXacoord, r.concurrency),
         f = find(results, Mode::kXaFloor, r.concurrency),
         b = find(results, Mode::kXaFloorBatched, r.concurrency),
         n = find(results, Mode::kNonAtomic, r.concurrency);
    nlohmann::json j{{"concurrency", r.concurrency}};
    if (x && f && f->throughput > 0) j["xacoord_over_floor"] = x->throughput / f->throughput;
    if (x && f && f->p99_ms > 0) j["xacoord_p99_over_floor_p99"] = x->p99_ms / f->p99_ms;
    if (x && b && b->throughput > 0)
      j["xacoord_over_batched_floor"] = x->throughput / b->throughput;
    if (f && n && n->throughput > 0) j["floor_over_non_atomic"] = f->throughput / n->throughput;
    auto l = find(results, Mode::kXaFloorLocked, r.concurrency),
         m = find(results, Mode::kXaFloorMerged, r.concurrency);
    if (l && m && l->throughput > 0) {
      j["merged_over_locked"] = m->throughput / l->throughput;
      if (l->p50_ms > 0) j["merged_p50_over_locked_p50"] = m->p50_ms / l->p50_ms;
    }
    ratios.push_back(j);
  }
  return {{"command", command}, {"results", rows}, {"ratios", ratios}};
}

std::string BenchReport::to_table() const {
  std::ostringstream out;
  out << "| mode | conc | txn/s | p50 ms | p95 ms | p99 ms | errors | coordinator CPU | "
         "CPU per pay | coordinator RSS | wrk CPU |\n";
  out << "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : results) {
    out << "| " << name_of(r.mode) << " | " << r.concurrency << " | "
        << report::fixed(r.throughput, 0) << " | " << report::fixed(r.p50_ms, 2) << " | "
        << report::fixed(r.p95_ms, 2) << " | " << report::fixed(r.p99_ms, 2) << " | " << r.errors
        << " | "
        << (r.coordinator_cpu >= 0 ? report::fixed(r.coordinator_cpu * 100, 0) + "% of a core" : "")
        << " | "
        << (r.coordinator_us_per_pay >= 0 ? report::fixed(r.coordinator_us_per_pay, 0) + " µs" : "")
        << " | "
        << (r.coordinator_rss_mib >= 0 ? report::fixed(r.coordinator_rss_mib, 1) + " MiB" : "")
        << " | " << (r.load_cpu >= 0 ? report::fixed(r.load_cpu * 100, 0) + "% of a core" : "")
        << " |\n";
  }
  const auto json = to_json();  // kept alive: the loops walk into it
  auto get = [](const nlohmann::json& j, const char* k) {
    return j.contains(k) ? report::fixed(j[k].get<double>(), 2) : std::string("-");
  };
  bool any_floor_ratio = false, any_lock_order_ratio = false;
  for (const auto& j : json["ratios"]) {
    any_floor_ratio = any_floor_ratio || j.contains("xacoord_over_floor") ||
                      j.contains("xacoord_over_batched_floor") ||
                      j.contains("floor_over_non_atomic");
    any_lock_order_ratio = any_lock_order_ratio || j.contains("merged_over_locked");
  }
  if (any_floor_ratio) {
    out << "\n| conc | xacoord / floor (throughput) | xacoord / batched floor | xacoord p99 / "
           "floor "
           "p99 | floor / non-atomic |\n|---:|---:|---:|---:|---:|\n";
    for (const auto& j : json["ratios"]) {
      out << "| " << j["concurrency"] << " | " << get(j, "xacoord_over_floor") << " | "
          << get(j, "xacoord_over_batched_floor") << " | " << get(j, "xacoord_p99_over_floor_p99")
          << " | " << get(j, "floor_over_non_atomic") << " |\n";
    }
  }
  if (any_lock_order_ratio) {
    out << "\n| conc | merged / locked (throughput) | merged p50 / locked p50 "
           "|\n|---:|---:|---:|\n";
    for (const auto& j : json["ratios"]) {
      out << "| " << j["concurrency"] << " | " << get(j, "merged_over_locked") << " | "
          << get(j, "merged_p50_over_locked_p50") << " |\n";
    }
  }
  return out.str();
}

std::string BenchReport::throughput_svg() const {
  // Concurrency levels sit at equal distances, whatever their values (1, 8, 32, 64).
  std::vector<int> levels;
  for (const auto& r : results) {
    if (std::find(levels.begin(), levels.end(), r.concurrency) == levels.end())
      levels.push_back(r.concurrency);
  }
  std::sort(levels.begin(), levels.end());
  report::SvgChart chart(640, 320);
  for (Mode m : kKnownModes) {
    report::SvgChart::Points points;
    for (std::size_t i = 0; i < levels.size(); ++i) {
      if (auto r = find(results, m, levels[i]))
        points.emplace_back(static_cast<double>(i), r->throughput);
    }
    if (!points.empty()) chart.line(std::move(points), name_of(m));
  }
  std::vector<std::pair<double, std::string>> ticks;
  for (std::size_t i = 0; i < levels.size(); ++i)
    ticks.emplace_back(static_cast<double>(i), std::to_string(levels[i]));
  chart.x_range(0, std::max<double>(1, static_cast<double>(levels.size()) - 1));
  chart.x_ticks(std::move(ticks));
  chart.y_unit("txn/s");
  chart.caption("throughput against concurrent clients");
  return chart.render();
}

std::string BenchReport::latency_svg(int at) const {
  report::SvgChart chart(640, 320);
  for (Mode m : kKnownModes) {
    auto r = find(results, m, at);
    if (!r || r->latency_ms_quantiles.empty()) continue;
    report::SvgChart::Points points;
    for (std::size_t i = 0; i < r->latency_ms_quantiles.size(); ++i) {
      points.emplace_back(static_cast<double>(i + 1), r->latency_ms_quantiles[i]);
    }
    chart.line(std::move(points), name_of(m));
  }
  chart.x_range(0, 100);
  chart.x_ticks({{50, "p50"}, {90, "p90"}, {99, "p99"}});
  chart.y_unit("ms");
  chart.caption("latency percentiles at " + std::to_string(at) + " concurrent clients");
  return chart.render();
}

}  // namespace xacoord::bench
