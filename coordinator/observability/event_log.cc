#include "coordinator/observability/event_log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace xacoord {
namespace {

std::atomic<bool> enabled{true};

}  // namespace

std::string rfc3339_utc(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::system_clock::to_time_t(t);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

void log_event(std::string_view event, nlohmann::json fields) {
  if (!enabled.load(std::memory_order_relaxed)) return;
  nlohmann::ordered_json line;
  line["ts"] = rfc3339_utc(std::chrono::system_clock::now());
  line["event"] = std::string(event);
  for (auto& [k, v] : fields.items())
    line[k] = v;
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  std::fwrite(text.data(), 1, text.size(), stderr);  // one write per line: lines never interleave
}

void set_event_log_enabled(bool on) {
  enabled.store(on, std::memory_order_relaxed);
}

}  // namespace xacoord
