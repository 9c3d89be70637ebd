#include "coordinator/broker/stream_replies.h"

#include <charconv>

#include "coordinator/broker/broker_error.h"

namespace xacoord::broker {
namespace {

[[noreturn]] void bad(std::string_view command, const Reply& r, std::string_view expected) {
  throw BrokerError(BrokerErrc::kProtocol, "redis " + std::string(command) + ": expected " +
                                               std::string(expected) + ", got " + describe(r));
}

const std::vector<Reply>& array_of(const Reply& r, std::string_view command, std::size_t min_size) {
  if (!r.is_array() || r.elements.size() < min_size) {
    bad(command, r, "an array of at least " + std::to_string(min_size));
  }
  return r.elements;
}

std::optional<std::int64_t> maybe_integer(const Reply& r, std::string_view command) {
  if (r.is_nil()) return std::nullopt;
  return integer_from(r, command);
}

StreamEntry entry_from(const Reply& r, std::string_view command) {
  const auto& e = array_of(r, command, 2);
  StreamEntry entry;
  entry.id = string_from(e[0], command);
  if (e[1].is_nil()) {
    entry.deleted = true;
    return entry;
  }
  const auto& fields = array_of(e[1], command, 0);
  if (fields.size() % 2 != 0) bad(command, e[1], "field/value pairs");
  for (std::size_t i = 0; i < fields.size(); i += 2) {
    entry.fields.emplace_back(string_from(fields[i], command), string_from(fields[i + 1], command));
  }
  return entry;
}

}  // namespace

const std::string* StreamEntry::field(std::string_view name) const {
  for (const auto& [k, v] : fields) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::int64_t integer_from(const Reply& r, std::string_view command) {
  if (r.type == Reply::Type::kInteger) return r.integer;
  if (r.is_string()) {  // some replies carry numbers as text (XPENDING's per-consumer counts)
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(r.str.data(), r.str.data() + r.str.size(), v);
    if (ec == std::errc() && end == r.str.data() + r.str.size()) return v;
  }
  bad(command, r, "an integer");
}

std::string string_from(const Reply& r, std::string_view command) {
  if (!r.is_string()) bad(command, r, "a string");
  return r.str;
}

std::vector<StreamEntry> entries_from(const Reply& r, std::string_view command) {
  std::vector<StreamEntry> entries;
  for (const auto& e : array_of(r, command, 0))
    entries.push_back(entry_from(e, command));
  return entries;
}

std::vector<StreamEntry> read_group_from(const Reply& r, std::string_view stream) {
  constexpr std::string_view command = "XREADGROUP";
  if (r.is_nil()) return {};
  for (const auto& s : array_of(r, command, 0)) {
    const auto& pair = array_of(s, command, 2);
    if (string_from(pair[0], command) == stream) return entries_from(pair[1], command);
  }
  return {};
}

AutoClaimed autoclaim_from(const Reply& r) {
  constexpr std::string_view command = "XAUTOCLAIM";
  const auto& e = array_of(r, command, 2);
  AutoClaimed out;
  out.next = string_from(e[0], command);
  out.entries = entries_from(e[1], command);
  if (e.size() >= 3) {  // Redis 7: ids of deleted entries
    for (const auto& id : array_of(e[2], command, 0))
      out.deleted_ids.push_back(string_from(id, command));
  }
  return out;
}

PendingSummary pending_summary_from(const Reply& r) {
  constexpr std::string_view command = "XPENDING";
  const auto& e = array_of(r, command, 4);
  PendingSummary out;
  out.count = integer_from(e[0], command);
  if (!e[1].is_nil()) out.smallest_id = string_from(e[1], command);
  if (!e[2].is_nil()) out.largest_id = string_from(e[2], command);
  if (!e[3].is_nil()) {
    for (const auto& c : array_of(e[3], command, 0)) {
      const auto& pair = array_of(c, command, 2);
      out.per_consumer.emplace_back(string_from(pair[0], command), integer_from(pair[1], command));
    }
  }
  return out;
}

std::vector<PendingEntry> pending_entries_from(const Reply& r) {
  constexpr std::string_view command = "XPENDING";
  std::vector<PendingEntry> out;
  for (const auto& p : array_of(r, command, 0)) {
    const auto& e = array_of(p, command, 4);
    out.push_back(PendingEntry{string_from(e[0], command), string_from(e[1], command),
                               integer_from(e[2], command), integer_from(e[3], command)});
  }
  return out;
}

std::vector<GroupInfo> groups_from(const Reply& r) {
  constexpr std::string_view command = "XINFO GROUPS";
  std::vector<GroupInfo> out;
  for (const auto& g : array_of(r, command, 0)) {
    const auto& kv = array_of(g, command, 0);
    if (kv.size() % 2 != 0) bad(command, g, "field/value pairs");
    GroupInfo info;
    for (std::size_t i = 0; i < kv.size(); i += 2) {
      std::string key = string_from(kv[i], command);
      const Reply& v = kv[i + 1];
      if (key == "name")
        info.name = string_from(v, command);
      else if (key == "consumers")
        info.consumers = integer_from(v, command);
      else if (key == "pending")
        info.pending = integer_from(v, command);
      else if (key == "last-delivered-id")
        info.last_delivered_id = string_from(v, command);
      else if (key == "entries-read")
        info.entries_read = maybe_integer(v, command);
      else if (key == "lag")
        info.lag = maybe_integer(v, command);
    }
    if (info.name.empty()) bad(command, g, "a group with a name");
    out.push_back(std::move(info));
  }
  return out;
}

PublishResult publish_result_from(const Reply& r) {
  constexpr std::string_view command = "EVAL publish";
  const auto& e = array_of(r, command, 2);
  return PublishResult{string_from(e[1], command), integer_from(e[0], command) == 1};
}

std::optional<EntryId> parse_entry_id(std::string_view id) {
  auto dash = id.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  EntryId out;
  auto [e1, c1] = std::from_chars(id.data(), id.data() + dash, out.ms);
  auto [e2, c2] = std::from_chars(id.data() + dash + 1, id.data() + id.size(), out.seq);
  if (c1 != std::errc() || c2 != std::errc() || e1 != id.data() + dash ||
      e2 != id.data() + id.size() || dash == 0 || dash + 1 == id.size()) {
    return std::nullopt;
  }
  return out;
}

std::string to_string(const EntryId& id) {
  return std::to_string(id.ms) + "-" + std::to_string(id.seq);
}

std::optional<EntryId> safe_trim_point(const std::vector<GroupInfo>& groups,
                                       const std::vector<PendingSummary>& pending_per_group) {
  if (groups.empty() || groups.size() != pending_per_group.size()) return std::nullopt;
  std::optional<EntryId> point;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    std::optional<EntryId> limit;
    if (pending_per_group[i].smallest_id) {
      limit = parse_entry_id(*pending_per_group[i].smallest_id);
    } else if (auto last = parse_entry_id(groups[i].last_delivered_id)) {
      // Everything up to the last delivered entry is acknowledged: cut just above it.
      limit = last->seq == UINT64_MAX ? EntryId{last->ms + 1, 0} : EntryId{last->ms, last->seq + 1};
    }
    if (!limit) return std::nullopt;
    if (!point || *limit < *point) point = limit;
  }
  return point;
}

}  // namespace xacoord::broker
