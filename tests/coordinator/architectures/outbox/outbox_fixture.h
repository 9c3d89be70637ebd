// What the outbox architecture's tests share: the suite's MariaDB pair, a Redis of the
// test suite's own (tools/harness/local_broker.h: it can be killed), a coordinator running
// `--architecture outbox` on both with streams of its own, and reads of the final state
// straight from the databases.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/coordinator/recovery/recovery_fixture.h"
#include "tools/harness/local_broker.h"

namespace xacoord::test {

// `serve --architecture outbox` on `pair` and `broker`, with stream names of its own so
// tests sharing the pair never take each other's outbox rows.
CoordinatorOptions outbox_options(const DbPair& pair, const harness::LocalBroker& broker,
                                  const std::string& node_id, const std::string& streams);
// The same, started and waited for until ready (throws if it never is).
std::unique_ptr<CoordinatorProcess> start_outbox(const DbPair& pair,
                                                 const harness::LocalBroker& broker,
                                                 const std::string& node_id,
                                                 const std::string& streams,
                                                 std::vector<std::string> extra = {});
std::unique_ptr<harness::LocalBroker> start_test_broker(const std::string& name);

// Polls GET /v1/status until settled; false after `timeout`.
bool wait_settled(const CoordinatorProcess& coordinator,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));
// The order's status and payment as the databases hold them: "PAID CAPTURED",
// "CANCELLED REFUNDED", "PENDING none"...
std::string final_state(const DbPair& pair, std::int64_t order_id);
// How many inbox rows of `server` have the msg_id "<txn_id>:<kind>".
int inbox_count(const DbPair& pair, const std::string& server, const std::string& msg_id);
std::int64_t balance_in_db(const DbPair& pair, const std::string& account_id);

}  // namespace xacoord::test
