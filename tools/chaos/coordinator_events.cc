#include "tools/chaos/coordinator_events.h"

#include <filesystem>
#include <fstream>

namespace xacoord::chaos {

std::uint64_t log_size(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::uint64_t>(size);
}

std::vector<nlohmann::json> read_events(const std::string& path, std::uint64_t offset) {
  std::vector<nlohmann::json> events;
  std::ifstream in(path);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() != '{') continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    // A line cut short by a SIGKILL does not parse: skipped like any other non-event.
    if (j.is_object() && j.contains("event")) events.push_back(std::move(j));
  }
  return events;
}

std::optional<RecoveryFound> first_recovery_started(const std::vector<nlohmann::json>& events) {
  for (const auto& e : events) {
    if (e.value("event", "") != "recovery_started") continue;
    return RecoveryFound{e.value("open_decisions", std::size_t{0}),
                         e.value("to_roll_back", std::size_t{0})};
  }
  return std::nullopt;
}

AbortCounts count_aborts(const std::vector<nlohmann::json>& events,
                         const std::set<std::int64_t>& orders) {
  AbortCounts counts;
  for (const auto& e : events) {
    // ABORTING: the rollback of some branch was handed to recovery, which finishes it.
    const std::string outcome = e.value("outcome", "");
    if (e.value("event", "") != "transaction" || (outcome != "ABORTED" && outcome != "ABORTING"))
      continue;
    if (!orders.contains(e.value("order_id", std::int64_t{0}))) continue;
    // The statuses of answers that come from a read alone (docs/api.md): the transaction
    // locked the order, read it, and rolled back with nothing written.
    int status = e.value("http_status", 0);
    bool read_only = e.value("replayed", false) || status == 200 || status == 404 || status == 409;
    ++(read_only ? counts.refused : counts.aborted);
  }
  return counts;
}

}  // namespace xacoord::chaos
