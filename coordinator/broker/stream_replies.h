// The replies of the stream commands (Redis 7, RESP2), read into plain structs. Pure: no
// connection, so each parser is unit-tested on hand-built replies. A reply of another
// shape throws BrokerError kProtocol naming the command.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coordinator/broker/redis_reply.h"

namespace xacoord::broker {

struct StreamEntry {
  std::string id;  // "<ms>-<seq>"
  std::vector<std::pair<std::string, std::string>> fields;
  // The entry is still pending but was deleted from the stream (trimmed): fields are gone.
  bool deleted = false;

  const std::string* field(std::string_view name) const;
};

// XAUTOCLAIM: where the next scan starts ("0-0": the whole pending list was scanned), what
// was claimed, and pending ids whose entries no longer exist (Redis dropped them from the
// pending list; acknowledge nothing for them).
struct AutoClaimed {
  std::string next;
  std::vector<StreamEntry> entries;
  std::vector<std::string> deleted_ids;
};

// XPENDING stream group: how many delivered and unacknowledged, and by whom.
struct PendingSummary {
  std::int64_t count = 0;
  std::optional<std::string> smallest_id;
  std::optional<std::string> largest_id;
  std::vector<std::pair<std::string, std::int64_t>> per_consumer;
};

// XPENDING stream group [IDLE ms] start end count [consumer].
struct PendingEntry {
  std::string id;
  std::string consumer;
  std::int64_t idle_ms = 0;
  std::int64_t deliveries = 0;  // how often it was handed out: poison messages climb
};

// XINFO GROUPS.
struct GroupInfo {
  std::string name;
  std::int64_t consumers = 0;
  std::int64_t pending = 0;  // delivered, not acknowledged
  std::string last_delivered_id;
  std::optional<std::int64_t> entries_read;
  std::optional<std::int64_t> lag;  // entries not yet delivered to the group (nil: unknown)
};

// The publish script's answer (stream_commands.h).
struct PublishResult {
  std::string entry_id;
  bool first = true;  // false: msg_id was published before, entry_id is that entry's
};

std::int64_t integer_from(const Reply& r, std::string_view command);
std::string string_from(const Reply& r, std::string_view command);
// An entry list: XRANGE, or one stream's part of XREADGROUP / XAUTOCLAIM.
std::vector<StreamEntry> entries_from(const Reply& r, std::string_view command);
// XREADGROUP on one stream: nil (BLOCK ran out) is no entries.
std::vector<StreamEntry> read_group_from(const Reply& r, std::string_view stream);
AutoClaimed autoclaim_from(const Reply& r);
PendingSummary pending_summary_from(const Reply& r);
std::vector<PendingEntry> pending_entries_from(const Reply& r);
std::vector<GroupInfo> groups_from(const Reply& r);
PublishResult publish_result_from(const Reply& r);

// Entry ids compare as pairs of numbers, not as text ("10-0" > "9-0").
struct EntryId {
  std::uint64_t ms = 0;
  std::uint64_t seq = 0;
  auto operator<=>(const EntryId&) const = default;
};
std::optional<EntryId> parse_entry_id(std::string_view id);
std::string to_string(const EntryId& id);

// Where XTRIM MINID may cut so that no group loses an entry it has not acknowledged:
// below every group's smallest pending id, and not past any group's last delivered id.
// nullopt when nothing may go (no group yet: everything is still to be delivered).
std::optional<EntryId> safe_trim_point(const std::vector<GroupInfo>& groups,
                                       const std::vector<PendingSummary>& pending_per_group);

}  // namespace xacoord::broker
