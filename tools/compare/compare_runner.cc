#include "tools/compare/compare_runner.h"

#include <unistd.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "tools/compare/arm_runner.h"
#include "tools/compare/compare_schedule.h"
#include "tools/harness/etcd_cluster.h"
#include "tools/harness/local_broker.h"
#include "tools/harness/local_pair.h"
#include "tools/report/progress_bar.h"
#include "tools/report/number_text.h"

namespace xacoord::compare {

std::vector<std::string> parse_architectures(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto comma = list.find(',', start);
    std::string name =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (std::find(kAllArchitectures.begin(), kAllArchitectures.end(), name) ==
        kAllArchitectures.end())
      throw std::invalid_argument("unknown architecture '" + name +
                                  "': use a comma list of xa, tcc, saga, outbox, naive");
    if (std::find(out.begin(), out.end(), name) != out.end())
      throw std::invalid_argument("architecture '" + name + "' listed twice");
    out.push_back(name);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

CompareReport run_compare(const CompareOptions& options) {
  std::string var = options.var_dir;
  if (var.empty()) {
    char tmpl[] = "/tmp/xacoord-compare.XXXXXX";
    var = ::mkdtemp(tmpl);
  }
  CompareReport report;
  report.seed = options.seed;
  report.command = options.command;
  report.faults = options.faults;
  report.duration_s = std::chrono::duration<double>(options.duration).count();
  report.clients = options.clients;
  report.decision_store = options.decision_store;

  const int slots = std::max<int>(
      1, static_cast<int>(options.duration.count() / std::max<long>(1, options.slot.count())));
  const auto schedule =
      make_compare_schedule(options.seed, slots, parse_compare_menu(options.faults), options.slot);
  report::ProgressBar bar(options.progress);
  auto pair = harness::LocalPair::start(var + "/db");
  std::unique_ptr<harness::LocalBroker> broker;
  if (std::find(options.architectures.begin(), options.architectures.end(), "outbox") !=
      options.architectures.end())
    broker = harness::LocalBroker::start(var + "/broker");
  std::unique_ptr<harness::EtcdCluster> etcd;
  if (options.decision_store == "etcd") etcd = harness::EtcdCluster::start(var + "/etcd");

  const double arms = static_cast<double>(options.architectures.size());
  for (std::size_t i = 0; i < options.architectures.size(); ++i) {
    const std::string& name = options.architectures[i];
    ArmOptions a;
    a.architecture = name;
    a.seed = options.seed;
    a.duration = options.duration;
    a.slot_length = options.slot;
    a.clients = options.clients;
    a.faults = schedule_for(schedule, name);
    a.var_dir = var + "/" + name;
    if (etcd) a.etcd_url = etcd->url();
    a.plant_anomaly = options.plant_anomaly == name;
    a.progress = [&bar, i, arms](double share, const std::string& caption) {
      bar.draw((static_cast<double>(i) + share) / arms, "arm " + std::to_string(i + 1) + "/" +
                                                            std::to_string(static_cast<int>(arms)) +
                                                            " " + caption);
    };
    try {
      ArmRunner runner(*pair, broker.get(), a);
      report.arms.push_back(runner.run());
    } catch (const std::exception& e) {
      bar.clear();
      report.write(options.out_dir);
      throw std::runtime_error("arm " + name + ": " + e.what());
    }
    const auto& r = report.arms.back();
    bar.print(name + ": " + report::fixed(r.throughput_per_s, 1) + " answers/s, p99 " +
              report::fixed(r.p99_ms, 1) + " ms, " + std::to_string(r.permanent_anomalies) +
              " permanent anomalies, " + std::to_string(r.sampler.transient_anomaly_samples) +
              " transient and " + std::to_string(r.sampler.snapshot_anomaly_samples) +
              " snapshot anomaly samples, settled in " + report::fixed(r.settle_ms, 0) + " ms" +
              (r.kept_promise()  ? ""
               : name == "naive" ? " (baseline)"
                                 : " PROMISE BROKEN"));
  }
  bar.clear();
  report.write(options.out_dir);
  return report;
}

}  // namespace xacoord::compare
