#include "coordinator/broker/stream_commands.h"

#include <stdexcept>

namespace xacoord::broker {
namespace {

// KEYS[1] stream, KEYS[2] dedupe key; ARGV[1] TTL in seconds, ARGV[2..] fields and values.
constexpr const char* kPublishScript = R"lua(
local id = redis.call('GET', KEYS[2])
if id then return {0, id} end
id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
redis.call('SET', KEYS[2], id, 'EX', ARGV[1])
return {1, id}
)lua";

std::string s(std::string_view v) {
  return std::string(v);
}

}  // namespace

std::string published_key(std::string_view stream, std::string_view msg_id) {
  return s(stream) + ":published:" + s(msg_id);
}

Command publish_command(std::string_view stream, const Message& m,
                        std::chrono::seconds dedupe_ttl) {
  validate(m);
  if (dedupe_ttl.count() <= 0) throw std::invalid_argument("publish: dedupe TTL must be positive");
  Command c{"EVAL",
            kPublishScript,
            "2",
            s(stream),
            published_key(stream, m.msg_id),
            std::to_string(dedupe_ttl.count())};
  for (auto& f : to_fields(m))
    c.push_back(std::move(f));
  return c;
}

Command published_entry_command(std::string_view stream, std::string_view msg_id) {
  return {"GET", published_key(stream, msg_id)};
}

Command xadd_command(std::string_view stream, const Message& m) {
  validate(m);
  Command c{"XADD", s(stream), "*"};
  for (auto& f : to_fields(m))
    c.push_back(std::move(f));
  return c;
}

Command create_group_command(std::string_view stream, std::string_view group,
                             std::string_view start_id) {
  return {"XGROUP", "CREATE", s(stream), s(group), s(start_id), "MKSTREAM"};
}

Command read_group_command(std::string_view stream, std::string_view group,
                           std::string_view consumer, int count,
                           std::optional<std::chrono::milliseconds> block, std::string_view from) {
  if (count <= 0) throw std::invalid_argument("XREADGROUP: count must be positive");
  Command c{"XREADGROUP", "GROUP", s(group), s(consumer), "COUNT", std::to_string(count)};
  if (block) {
    if (block->count() <= 0) throw std::invalid_argument("XREADGROUP: BLOCK 0 would wait forever");
    c.insert(c.end(), {"BLOCK", std::to_string(block->count())});
  }
  c.insert(c.end(), {"STREAMS", s(stream), s(from)});
  return c;
}

Command ack_command(std::string_view stream, std::string_view group,
                    const std::vector<std::string>& ids) {
  if (ids.empty()) throw std::invalid_argument("XACK: no ids");
  Command c{"XACK", s(stream), s(group)};
  c.insert(c.end(), ids.begin(), ids.end());
  return c;
}

Command autoclaim_command(std::string_view stream, std::string_view group,
                          std::string_view consumer, std::chrono::milliseconds min_idle,
                          std::string_view start, int count) {
  if (count <= 0) throw std::invalid_argument("XAUTOCLAIM: count must be positive");
  return {"XAUTOCLAIM",
          s(stream),
          s(group),
          s(consumer),
          std::to_string(min_idle.count()),
          s(start),
          "COUNT",
          std::to_string(count)};
}

Command pending_summary_command(std::string_view stream, std::string_view group) {
  return {"XPENDING", s(stream), s(group)};
}

Command pending_entries_command(std::string_view stream, std::string_view group, int count,
                                std::optional<std::chrono::milliseconds> min_idle,
                                std::optional<std::string> consumer) {
  Command c{"XPENDING", s(stream), s(group)};
  if (min_idle) c.insert(c.end(), {"IDLE", std::to_string(min_idle->count())});
  c.insert(c.end(), {"-", "+", std::to_string(count)});
  if (consumer) c.push_back(*consumer);
  return c;
}

Command length_command(std::string_view stream) {
  return {"XLEN", s(stream)};
}

Command groups_command(std::string_view stream) {
  return {"XINFO", "GROUPS", s(stream)};
}

Command range_command(std::string_view stream, std::string_view start, std::string_view end,
                      std::optional<int> count) {
  Command c{"XRANGE", s(stream), s(start), s(end)};
  if (count) c.insert(c.end(), {"COUNT", std::to_string(*count)});
  return c;
}

Command trim_command(std::string_view stream, const EntryId& min_id) {
  // Exact, not "~": an approximate trim may keep more, never less, but exact keeps the
  // figures of XLEN meaningful in reports.
  return {"XTRIM", s(stream), "MINID", to_string(min_id)};
}

Command delete_consumer_command(std::string_view stream, std::string_view group,
                                std::string_view consumer) {
  return {"XGROUP", "DELCONSUMER", s(stream), s(group), s(consumer)};
}

}  // namespace xacoord::broker
