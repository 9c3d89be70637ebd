// Structured log lines on stderr: one JSON object per event and line, with a timestamp
// and the event name first, so `grep txn_id` and `jq` both work.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace xacoord {

void log_event(std::string_view event, nlohmann::json fields = nlohmann::json::object());
// 2026-11-26T21:49:48.123Z
std::string rfc3339_utc(std::chrono::system_clock::time_point t);

// Silences events (tests and benchmarks that would drown in them).
void set_event_log_enabled(bool enabled);

}  // namespace xacoord
