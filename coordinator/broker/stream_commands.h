// The stream commands as argument vectors (pure, unit-tested), and the publish script.
//
// Publishing is idempotent in Redis as well as at the consumer: the script adds the entry
// only if `<stream>:published:<msg_id>` does not exist, then sets that key to the new
// entry's id with a TTL, atomically (a script runs alone). A relay that crashed after XADD
// and before marking its outbox row published therefore republishes without a second
// entry, and gets back the proof that the first one exists. The key is set after XADD: a
// script that fails between the two leaves a message that is republished (a duplicate
// the inbox absorbs), never a key that claims a message that is not there. Once the key
// expired a republish adds a duplicate entry; the inbox still applies it once.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/broker/message.h"
#include "coordinator/broker/redis_client.h"

namespace xacoord::broker {

std::string published_key(std::string_view stream, std::string_view msg_id);

// EVAL of the publish script; its reply reads with publish_result_from.
Command publish_command(std::string_view stream, const Message& m, std::chrono::seconds dedupe_ttl);
// GET of the dedupe key: the entry id if msg_id was published within the TTL.
Command published_entry_command(std::string_view stream, std::string_view msg_id);
// XADD stream * fields...: no dedupe (tests, and measuring what the script costs).
Command xadd_command(std::string_view stream, const Message& m);

// XGROUP CREATE stream group start MKSTREAM. Start "0": a group created after the relay
// published still gets every entry.
Command create_group_command(std::string_view stream, std::string_view group,
                             std::string_view start_id = "0");
// XREADGROUP GROUP g c COUNT n [BLOCK ms] STREAMS s from. from ">" = never delivered;
// "0" = this consumer's own pending entries (after its restart).
Command read_group_command(std::string_view stream, std::string_view group,
                           std::string_view consumer, int count,
                           std::optional<std::chrono::milliseconds> block,
                           std::string_view from = ">");
Command ack_command(std::string_view stream, std::string_view group,
                    const std::vector<std::string>& ids);
Command autoclaim_command(std::string_view stream, std::string_view group,
                          std::string_view consumer, std::chrono::milliseconds min_idle,
                          std::string_view start, int count);
Command pending_summary_command(std::string_view stream, std::string_view group);
Command pending_entries_command(std::string_view stream, std::string_view group, int count,
                                std::optional<std::chrono::milliseconds> min_idle = {},
                                std::optional<std::string> consumer = {});
Command length_command(std::string_view stream);
Command groups_command(std::string_view stream);
Command range_command(std::string_view stream, std::string_view start = "-",
                      std::string_view end = "+", std::optional<int> count = {});
Command trim_command(std::string_view stream, const EntryId& min_id);
Command delete_consumer_command(std::string_view stream, std::string_view group,
                                std::string_view consumer);

}  // namespace xacoord::broker
